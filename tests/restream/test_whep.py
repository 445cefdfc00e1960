"""WHEP end to end with an aiortc viewer: video, track messages keyed by RTP time, cleanup."""

from __future__ import annotations

import asyncio

import httpx
import numpy as np
from fastapi import FastAPI

from restream import RestreamHub
from tests.restream.conftest import CAMERA
from tests.restream.whep_client import Viewing, view
from tests.servers.api_server import ApiServer


def _white_box(image: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(image.mean(axis=2) > 128)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _offsets(viewing: Viewing, shift: int = 0) -> list[float]:
    """For each received frame: how far the box of the track message for its RTP time (or the
    message ``shift`` frames earlier) is from the square in the decoded picture (px)."""
    assert viewing.rtp_origin is not None
    keys = sorted(viewing.messages)
    gaps = []
    for frame in viewing.frames:
        key = (frame.rtp_timestamp - viewing.rtp_origin) % 2**32
        at = keys.index(key) - shift if key in keys else -1
        message = viewing.messages[keys[at]] if at >= 0 else None
        square = _white_box(frame.image)
        if message is None or square is None or not message["tracks"]:
            continue
        box = message["tracks"][0]["box"]
        gaps.append(max(abs(a - b) for a, b in zip(box, square, strict=True)))
    return gaps


def test_a_viewer_gets_video_and_the_tracks_of_each_frame(
    square_server: tuple[ApiServer, FastAPI],
) -> None:
    server, app = square_server
    viewing = asyncio.run(view(server.url, CAMERA, frames=25))
    assert viewing.first_frame_s is not None and viewing.first_frame_s < 5
    assert viewing.location.startswith(f"/api/cameras/{CAMERA}/whep/")
    height, width = viewing.frames[0].image.shape[:2]
    assert (width, height) == (320, 240)
    gaps = _offsets(viewing)
    assert len(gaps) >= 15, gaps
    assert max(gaps) <= 3, gaps  # the message for a frame's RTP time boxes that frame's square
    shifted = _offsets(viewing, shift=1)
    assert sum(g <= 3 for g in shifted) <= 0.2 * len(shifted), shifted  # the check has teeth
    hub: RestreamHub = app.state.restream
    assert hub.whep.session_count == 0
    assert hub.whep.feed_count == 0


def test_one_encoder_serves_every_viewer(square_server: tuple[ApiServer, FastAPI]) -> None:
    server, app = square_server

    feeds_seen: set[int] = set()

    async def three_viewers() -> list[Viewing]:
        async def watch_feeds() -> None:
            while True:
                hub: RestreamHub | None = getattr(app.state, "restream", None)
                if hub is not None and hub.whep.session_count == 3:
                    feeds_seen.add(hub.whep.feed_count)
                await asyncio.sleep(0.02)

        watcher = asyncio.ensure_future(watch_feeds())
        try:
            views = (view(server.url, CAMERA, frames=10) for _ in range(3))
            return list(await asyncio.gather(*views))
        finally:
            watcher.cancel()

    viewings = asyncio.run(three_viewers())
    assert all(len(v.frames) == 10 for v in viewings)
    assert feeds_seen == {1}
    hub: RestreamHub = app.state.restream
    assert hub.whep.session_count == 0 and hub.whep.feed_count == 0


def test_offers_are_checked(square_server: tuple[ApiServer, FastAPI]) -> None:
    server, _ = square_server
    url = f"{server.url}/api/cameras/{CAMERA}/whep"
    sdp = {"Content-Type": "application/sdp"}
    assert httpx.post(url, content="v=0\r\n", headers=sdp).status_code == 400
    assert httpx.post(url, content="x", headers={"Content-Type": "text/plain"}).status_code == 415
    missing = f"{server.url}/api/cameras/nope/whep"
    assert httpx.post(missing, content="v=0\r\nm=video 9\r\n", headers=sdp).status_code == 404
    assert httpx.delete(f"{url}/0123").status_code == 404

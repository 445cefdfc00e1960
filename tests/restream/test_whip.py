"""WHIP end to end: an aiortc publisher's video becomes a camera that is detected and tracked."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from fastapi import FastAPI

from api.app import create_app
from config import AppConfig
from restream.ice import IceSettings, gathering_on
from restream.whip import WhipPublishers
from service import build_service
from stream.health import CameraState
from stream.live import LiveSettings
from stream.push_source import PublisherBusyError, PushSource
from tests.blob_detector import BrightBlobDetector
from tests.media import SQUARE, square_position
from tests.restream.browser import chromium_serving, loopback_namespace, require_chromium
from tests.restream.peers_client import idle_offer
from tests.servers.api_server import ApiServer
from tests.waiting import scaled, wait_until

LOOPBACK = IceSettings(("127.0.0.1",))
PUBLISHED = "webcam"
FILE_CAMERA = "square"
ADMIN = "admin-token-0123456789"
VIEWER = "viewer-token-0123456789"
SDP = {"Content-Type": "application/sdp"}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class SquareTrack(VideoStreamTrack):
    """30 fps, 320x240: a white square moving 8 px right per frame, wrapping every 30 frames."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = np.zeros((240, 320, 3), dtype=np.uint8)
        x, y = square_position(self.sent % 30)
        image[y : y + SQUARE, x : x + SQUARE] = 255
        self.sent += 1
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
        frame.pts, frame.time_base = pts, Fraction(time_base)
        return frame


@asynccontextmanager
async def publishing(client: httpx.AsyncClient, camera_id: str) -> AsyncIterator[str]:
    """Publish a :class:`SquareTrack` to ``camera_id``; the session's Location. The peer
    connection closes at the end of the block (without a DELETE)."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver(SquareTrack(), direction="sendonly")
        with gathering_on(LOOPBACK):
            await pc.setLocalDescription(await pc.createOffer())
        offer = LOOPBACK.filter_remote(pc.localDescription.sdp)
        response = await client.post(
            f"/api/cameras/{camera_id}/whip", content=offer, headers={**SDP, **_auth(ADMIN)}
        )
        assert response.status_code == 201, response.text
        assert response.headers["content-type"].startswith("application/sdp")
        await pc.setRemoteDescription(RTCSessionDescription(response.text, "answer"))
        yield response.headers["location"]
    finally:
        await pc.close()


async def camera(client: httpx.AsyncClient, camera_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/cameras/{camera_id}", headers=_auth(VIEWER))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float) -> None:
    deadline = time.monotonic() + scaled(timeout_s)
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _app(data_dir: Path, clip: Path) -> FastAPI:
    config = AppConfig.model_validate(
        {
            "data_dir": str(data_dir),
            "auth": {"tokens": [{"token": ADMIN, "role": "admin"}, {"token": VIEWER}]},
            "sources": {"media_roots": [str(clip.parent)]},
            "cameras": [
                {"id": PUBLISHED, "url": "whip:", "reconnect": {"stall_timeout_s": 1.0}},
                {"id": FILE_CAMERA, "url": str(clip), "loop": True},
            ],
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    app = create_app(service)
    app.state.webrtc_ice = LOOPBACK
    return app


@pytest.fixture
def whip_server(tmp_path: Path, long_square_clip: Path) -> Iterator[tuple[ApiServer, FastAPI]]:
    app = _app(tmp_path / "data", long_square_clip)
    with ApiServer(app) as server:
        yield server, app
    publishers: WhipPublishers = app.state.whip
    assert publishers.sessions() == []
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast")]
    assert leftovers == []


def test_published_video_is_tracked_and_the_camera_waits_again_after_delete(
    whip_server: tuple[ApiServer, FastAPI],
) -> None:
    server, app = whip_server

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            assert (await camera(client, PUBLISHED))["state"] == "connecting"
            async with publishing(client, PUBLISHED) as location:
                assert location.startswith(f"/api/cameras/{PUBLISHED}/whip/")

                async def tracked() -> bool:
                    health = (await camera(client, PUBLISHED))["health"]
                    return bool(health["state"] == "streaming" and health["frames_analysed"] >= 30)

                await eventually(tracked, 15)
                tracks = (
                    await client.get(f"/api/cameras/{PUBLISHED}/tracks", headers=_auth(VIEWER))
                ).json()
                # the square jumps back to the left edge every second, and a track it leaves
                # behind stays open until its lost timeout: on a busy machine (two spinning
                # processes) the list held a second square track beside the current one
                assert tracks and {t["class_name"] for t in tracks} == {"square"}
                newest = max(tracks, key=lambda t: t["last_seen"])
                x1, y1, x2, y2 = newest["last_box"]
                assert (round(y1), round(y2 - y1), round(x2 - x1)) == (60, SQUARE, SQUARE)
                # a pushed camera has no packets to remux: its clips are encoded from its frames
                clips = app.state.service.runtime.status(PUBLISHED)
                assert clips.clip_encoder is not None and clips.clip_encoder.encoded > 0
                assert clips.clip_ring is not None and clips.clip_ring.gops >= 1

                busy = await client.post(
                    f"/api/cameras/{PUBLISHED}/whip",
                    content="v=0\r\nm=video",
                    headers={**SDP, **_auth(ADMIN)},
                )
                assert busy.status_code == 409, busy.text

                deleted = await client.delete(location, headers=_auth(ADMIN))
                assert deleted.status_code == 204, deleted.text
                health = (await camera(client, PUBLISHED))["health"]
                assert health["state"] == "connecting"
                assert health["last_error"] == "the publisher left"
                frames_in = health["frames_in"]
                await asyncio.sleep(0.5)
                assert (await camera(client, PUBLISHED))["health"]["frames_in"] == frames_in
                assert (await camera(client, FILE_CAMERA))["state"] == "streaming"

            async with publishing(client, PUBLISHED):  # a new publisher; this one just leaves

                async def streaming_again() -> bool:
                    health = (await camera(client, PUBLISHED))["health"]
                    return bool(health["state"] == "streaming" and health["frames_in"] > frames_in)

                await eventually(streaming_again, 15)
                assert (await camera(client, PUBLISHED))["health"]["reconnects"] == 1

            async def waiting() -> bool:
                state = (await camera(client, PUBLISHED))["state"]
                return state in ("stalled", "connecting") and publishers.sessions() == []

            publishers: WhipPublishers = app.state.whip
            await eventually(waiting, 5)  # the publisher's RTCP BYE ends the session at once
            assert (await camera(client, FILE_CAMERA))["state"] == "streaming"

    asyncio.run(scenario())


def test_publishing_is_refused_without_admin_token_bad_offer_or_wrong_camera(
    whip_server: tuple[ApiServer, FastAPI],
) -> None:
    server, _ = whip_server
    offer = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    with httpx.Client(base_url=server.url, timeout=20) as client:

        def post(camera_id: str, body: str, headers: dict[str, str]) -> int:
            return client.post(
                f"/api/cameras/{camera_id}/whip", content=body, headers=headers
            ).status_code

        assert post(PUBLISHED, offer, SDP) == 401
        assert post(PUBLISHED, offer, {**SDP, **_auth(VIEWER)}) == 403
        assert post(PUBLISHED, offer, {"Content-Type": "text/plain", **_auth(ADMIN)}) == 415
        assert post(PUBLISHED, "not sdp at all", {**SDP, **_auth(ADMIN)}) == 400
        assert post(PUBLISHED, offer, {**SDP, **_auth(ADMIN)}) == 400
        assert post("nope", offer, {**SDP, **_auth(ADMIN)}) == 404
        assert post(FILE_CAMERA, offer, {**SDP, **_auth(ADMIN)}) == 409
        gone = client.delete(f"/api/cameras/{PUBLISHED}/whip/0123", headers=_auth(ADMIN))
        assert gone.status_code == 404
        health = client.get(f"/api/cameras/{PUBLISHED}", headers=_auth(VIEWER)).json()
        assert health["state"] == "connecting"


def test_removing_the_camera_ends_its_publisher_session(
    whip_server: tuple[ApiServer, FastAPI],
) -> None:
    server, app = whip_server

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            async with publishing(client, PUBLISHED):

                async def streaming() -> bool:
                    return bool((await camera(client, PUBLISHED))["state"] == "streaming")

                await eventually(streaming, 15)
                removed = await client.delete(f"/api/cameras/{PUBLISHED}", headers=_auth(ADMIN))
                assert removed.status_code == 204, removed.text
                whip: WhipPublishers = app.state.whip

                async def ended() -> bool:
                    return whip.sessions() == []

                await eventually(ended, 5)
            assert (await camera(client, FILE_CAMERA))["state"] == "streaming"

    asyncio.run(scenario())


def test_a_publisher_that_never_connects_is_closed_at_the_deadline_and_frees_the_camera(
    whip_server: tuple[ApiServer, FastAPI],
) -> None:
    """An offer without candidates (a publisher that went away) holds the camera's publisher
    place only until the connect deadline (10 s by default); then a real publisher gets in."""
    server, app = whip_server

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            offer = await idle_offer(send=True)
            url = f"/api/cameras/{PUBLISHED}/whip"
            idle = await client.post(url, content=offer, headers={**SDP, **_auth(ADMIN)})
            assert idle.status_code == 201, idle.text
            publishers: WhipPublishers = app.state.whip
            assert publishers.pending_count == 1
            busy = await client.post(url, content=offer, headers={**SDP, **_auth(ADMIN)})
            assert busy.status_code == 409, busy.text

            async def closed() -> bool:
                return publishers.sessions() == [] and publishers.slots_taken == 0

            await eventually(closed, 15)
            assert publishers.expired_count == 1
            assert (await camera(client, PUBLISHED))["state"] == "connecting"
            async with publishing(client, PUBLISHED):

                async def streaming() -> bool:
                    return bool((await camera(client, PUBLISHED))["state"] == "streaming")

                await eventually(streaming, 15)
                assert publishers.pending_count == 0

    asyncio.run(scenario())


def test_a_push_source_has_the_health_states_of_a_live_camera() -> None:
    source = PushSource("cam", "whip:", LiveSettings(stall_timeout_s=0.2))
    source.start()
    image = np.zeros((240, 320, 3), dtype=np.uint8)
    assert source.health().state is CameraState.CONNECTING
    assert not source.push("nobody", image, None)
    source.connect("a")
    with pytest.raises(PublisherBusyError):
        source.connect("b")
    assert source.push("a", image, 0.0) and source.push("a", image, 0.1)
    health = source.health()
    assert (health.state, health.frames_in, health.frames_dropped) == (CameraState.STREAMING, 2, 1)
    taken = source.frames.take_nowait()
    assert taken is not None and taken.index == 1 and taken.pts == 0.1
    time.sleep(0.3)
    assert source.health().state is CameraState.STALLED
    assert source.push("a", image, 0.2)
    assert source.health().state is CameraState.STREAMING
    source.disconnect("a")
    assert source.health().state is CameraState.CONNECTING
    source.connect("b")
    assert source.health().reconnects == 1
    assert source.stop()
    assert not source.push("b", image, 0.3)
    assert source.health().state is CameraState.STOPPED
    with pytest.raises(PublisherBusyError):
        source.connect("c")


def test_chromium_publishes_its_fake_camera_and_the_runtime_tracks_it(
    tmp_path: Path, long_square_clip: Path
) -> None:
    require_chromium()
    app = _app(tmp_path / "data", long_square_clip)
    with (
        loopback_namespace() as namespace,
        chromium_serving(app, namespace, tmp_path) as (server, browser),
    ):
        page = browser.new_page()
        page.goto(f"{server.url}/viewer/publish.html")
        page.evaluate(f"trackcastPublisher.start({PUBLISHED!r}, {ADMIN!r})")
        runtime = app.state.service.runtime

        def analysed() -> int:
            status = runtime.status(PUBLISHED)
            return int(status.frames_analysed)

        wait_until(lambda: analysed() >= 30, 20)
        assert runtime.status(PUBLISHED).health.state.value == "streaming"
        assert page.evaluate("trackcastPublisher.framesSent()") >= 30
        page.evaluate("trackcastPublisher.stop()")
        publishers: WhipPublishers = app.state.whip
        wait_until(lambda: publishers.sessions() == [], 5)
        assert runtime.status(PUBLISHED).health.state.value == "connecting"
        page.close()
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast")]
    assert leftovers == []

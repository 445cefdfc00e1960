"""Viewers that come and go leave nothing behind: WHEP viewers (some DELETE their session, some
only close their peer connection, as a closed tab does) and MJPEG viewers, one after another on a
real uvicorn server, then every encoder and relay thread, peer connection and session is gone;
and a viewer still watching when the server stops is closed with it."""

from __future__ import annotations

import asyncio
import gc
import threading
from pathlib import Path

import httpx
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError
from fastapi import FastAPI

from restream import RestreamHub
from tests.restream.conftest import CAMERA, make_app
from tests.restream.whep_client import view
from tests.servers.api_server import ApiServer
from tests.waiting import wait_until

ROUNDS = 6
GONE_WITHIN_S = 60.0
"""How long the server may take to notice a viewer left (a closed peer connection is seen when
its DTLS close arrives; far sooner than this)."""


def _service_threads() -> list[str]:
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("trackcast"))


def _open_peer_connections() -> int:
    """Peer connections in this process (the server's and the test viewers') not closed."""
    gc.collect()
    # type(), not isinstance(): isinstance reads __class__, which some objects other tests leave
    # in memory answer with a deprecation warning (torch.distributed's reduce_op)
    return sum(
        1
        for o in gc.get_objects()
        if type(o) is RTCPeerConnection and o.connectionState != "closed"
    )


def _watch_mjpeg(url: str, parts: int) -> None:
    """Read ``parts`` JPEGs of the camera's MJPEG stream, then hang up."""
    seen = 0
    with httpx.Client(timeout=20) as client, client.stream("GET", url) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            seen += chunk.count(b"\xff\xd9")  # the end of a JPEG
            if seen >= parts:
                return
    raise AssertionError(f"the MJPEG stream ended after {seen} pictures")


def _idle(hub: RestreamHub) -> bool:
    whep = hub.whep
    return (whep.session_count, whep.slots_taken, whep.feed_count, len(hub.mjpeg)) == (0, 0, 0, 0)


def _one_round(server: ApiServer, index: int) -> None:
    viewing = asyncio.run(view(server.url, CAMERA, frames=3, delete=index % 2 == 0))
    assert len(viewing.frames) == 3
    _watch_mjpeg(f"{server.url}/api/cameras/{CAMERA}/mjpeg", parts=2)


def test_viewers_that_come_and_go_leave_no_thread_or_peer_connection(
    square_server: tuple[ApiServer, FastAPI],
) -> None:
    server, app = square_server
    wait_until(lambda: len(_service_threads()) > 0, GONE_WITHIN_S)
    before = _service_threads()
    assert _open_peer_connections() == 0
    for index in range(ROUNDS):
        _one_round(server, index)
    hub: RestreamHub = app.state.restream  # made with the first viewer
    wait_until(lambda: _idle(hub), GONE_WITHIN_S, step_s=0.1)
    wait_until(lambda: _service_threads() == before, GONE_WITHIN_S, step_s=0.1)
    wait_until(lambda: _open_peer_connections() == 0, GONE_WITHIN_S, step_s=0.2)
    assert hub.whep.expired_count == 0  # each left by DELETE or its own close, not a deadline


def test_a_viewer_still_watching_when_the_server_stops_is_closed(
    tmp_path: Path, long_square_clip: Path
) -> None:
    app, _ = make_app(tmp_path / "data", long_square_clip)
    ended: list[BaseException | None] = []

    def watch(url: str) -> None:
        try:
            asyncio.run(view(url, CAMERA, frames=1_000_000, timeout_s=GONE_WITHIN_S))
        except BaseException as error:  # the server closed the stream under it
            ended.append(error)
        else:
            ended.append(None)

    def connected() -> bool:
        hub: RestreamHub | None = getattr(app.state, "restream", None)
        return hub is not None and hub.whep.stats().connected == 1

    with ApiServer(app) as server:
        viewer = threading.Thread(target=watch, args=(server.url,), name="test-viewer")
        viewer.start()
        wait_until(connected, GONE_WITHIN_S, step_s=0.1)
    viewer.join(2 * GONE_WITHIN_S)
    assert not viewer.is_alive()
    assert len(ended) == 1 and isinstance(ended[0], MediaStreamError), ended
    assert _idle(app.state.restream)
    assert _service_threads() == []
    wait_until(lambda: _open_peer_connections() == 0, GONE_WITHIN_S, step_s=0.2)

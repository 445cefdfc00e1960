"""Feed clients that leave are forgotten, however they leave: a WebSocket close frame, an SSE
client closing its connection, or a connection reset without either (a peer that vanished).
The feeds here never send anything (a filter that matches no event, a camera that never delivers
a frame), so only watching the connection can notice the client leaving. Clients are raw
sockets against a real uvicorn server; the count comes from ``/metrics``."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.servers.api_server import ApiServer
from tests.servers.raw_clients import close_websocket, drop, gauge, open_feed
from tests.waiting import wait_until

CLIENTS = 1000
BATCH = 100
EVENTS_WS = "/api/events/ws?camera=nowhere"
EVENTS_SSE = "/api/events/stream?camera=nowhere"
QUIET = "quiet"
"""A camera whose source never answers: it stays in backoff and sends no frame."""


@pytest.fixture
def server(make_service: ServiceFactory) -> Iterator[ApiServer]:
    cameras = [{"id": QUIET, "url": "rtsp://127.0.0.1:9/never"}]
    with ApiServer(create_app(make_service(cameras=cameras))) as api:
        yield api


def _clients(api: ApiServer, feed: str) -> float:
    return gauge(api.url, "trackcast_feed_clients", {"feed": feed})


def _leave(sock: socket.socket, index: int, websocket: bool) -> None:
    """Every other client resets its connection; the others close properly."""
    if index % 2:
        drop(sock)
    elif websocket:
        close_websocket(sock)
    else:
        sock.close()


def _open_and_leave(api: ApiServer, feed: str, paths: tuple[str, str], count: int) -> None:
    """``count`` clients in batches, alternating WebSocket and SSE (``paths``); each batch is
    seen subscribed, then leaves."""
    for _ in range(0, count, BATCH):
        clients = []
        for index in range(BATCH):
            websocket = index % 4 < 2
            path = paths[0] if websocket else paths[1]
            clients.append((open_feed(api.port, path, websocket=websocket), websocket))
        wait_until(lambda: _clients(api, feed) == BATCH, 60, step_s=0.05)
        for index, (sock, websocket) in enumerate(clients):
            _leave(sock, index, websocket)
        wait_until(lambda: _clients(api, feed) == 0, 60, step_s=0.05)


def test_event_feed_clients_that_leave_without_an_event_are_forgotten(server: ApiServer) -> None:
    assert _clients(server, "events") == 0
    _open_and_leave(server, "events", (EVENTS_WS, EVENTS_SSE), CLIENTS)
    assert _clients(server, "events") == 0


def test_track_feed_clients_of_a_quiet_camera_are_forgotten(server: ApiServer) -> None:
    paths = (f"/api/cameras/{QUIET}/tracks/ws", f"/api/cameras/{QUIET}/tracks/stream")
    assert _clients(server, "frames") == 0
    _open_and_leave(server, "frames", paths, 2 * BATCH)
    assert _clients(server, "frames") == 0

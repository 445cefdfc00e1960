"""Open mode answers local names and same-origin pages only (DNS rebinding, cross-site
WebSocket), through a real uvicorn server and the real browser-facing routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.servers.api_server import ApiServer

EVIL = "https://evil.example"


@pytest.fixture
def server(make_service: ServiceFactory, square_clip: Path) -> Iterator[ApiServer]:
    service = make_service(
        auth={
            "open": True,
            "hosts": ["trackcast.lan"],
            "origins": ["http://dashboard.lan:3000"],
        },
        cameras=[{"id": "cam", "url": str(square_clip), "loop": True}],
    )
    with ApiServer(create_app(service)) as api:
        yield api


def _get(server: ApiServer, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=30)


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8080", "127.0.0.1", "127.0.0.1:1", "[::1]:8080", "LOCALHOST"]
)
def test_loopback_names_are_answered(server: ApiServer, host: str) -> None:
    assert _get(server, "/api/cameras", {"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",  # DNS rebinding: the attacker's name now resolves to 127.0.0.1
        "evil.example:8080",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "10.0.0.5",
        "",
    ],
)
def test_other_host_names_are_refused(server: ApiServer, host: str) -> None:
    for path in ("/api/cameras", "/api/cameras/cam/snapshot.jpg", "/metrics", "/viewer/"):
        refused = _get(server, path, {"Host": host})
        assert refused.status_code == 403, (host, path)
        assert "auth.hosts" in refused.text


def test_configured_host_is_answered(server: ApiServer) -> None:
    assert _get(server, "/api/cameras", {"Host": "trackcast.lan:8080"}).status_code == 200
    assert _get(server, "/api/cameras", {"Host": "Trackcast.LAN"}).status_code == 200


def test_cross_site_origin_is_refused_on_http(server: ApiServer) -> None:
    host = f"127.0.0.1:{server.port}"
    for origin in (EVIL, "null", f"http://localhost:{server.port}", f"https://{host}"):
        refused = _get(server, "/api/cameras", {"Host": host, "Origin": origin})
        assert refused.status_code == 403, origin
    post = httpx.post(
        f"{server.url}/api/cameras",
        json={"id": "x", "url": "data/vtest.avi"},
        headers={"Origin": EVIL},
        timeout=30,
    )
    assert post.status_code == 403
    assert all(c["id"] != "x" for c in _get(server, "/api/cameras", {}).json())


def test_same_origin_and_configured_origin_are_answered(server: ApiServer) -> None:
    for origin in (server.url, "http://dashboard.lan:3000"):
        assert _get(server, "/api/cameras", {"Origin": origin}).status_code == 200


def test_cross_site_websocket_is_refused(server: ApiServer) -> None:
    url = f"{server.ws_url}/api/cameras/cam/tracks/ws"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=Origin(EVIL), open_timeout=30)
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        connect(url, additional_headers={"Host": "evil.example"}, open_timeout=30)
    with connect(url, origin=Origin(server.url), open_timeout=30) as ws:
        assert "tracks" in ws.recv(timeout=30)


def test_token_mode_is_not_limited_to_local_names(
    make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKCAST_ADMIN_TOKEN", "admin-token-0123456789")
    with ApiServer(create_app(make_service(auth={"open": False}))) as api:
        headers = {
            "Host": "trackcast.example.com",
            "Authorization": "Bearer admin-token-0123456789",
        }
        assert _get(api, "/api/cameras", headers).status_code == 200
        assert _get(api, "/api/cameras", {"Host": "trackcast.example.com"}).status_code == 401

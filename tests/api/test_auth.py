"""Tokens and roles on every route, and camera passwords kept out of responses and logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.waiting import wait_until

VIEWER = "viewer-token-0123456789"
ADMIN = "admin-token-0123456789ab"
ENV_ADMIN = "env-admin-token-0123456789"
PASSWORD = "hunter2-s3cret"


@pytest.fixture
def guarded(make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TRACKCAST_ADMIN_TOKEN", ENV_ADMIN)
    service = make_service(
        auth={"open": False, "tokens": [{"token": VIEWER}, {"token": ADMIN, "role": "admin"}]}
    )
    with TestClient(create_app(service)) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_mutating_route_needs_an_admin_token(guarded: TestClient) -> None:
    paths = guarded.get("/openapi.json").json()["paths"]
    mutating = [
        (method.upper(), _concrete(path))
        for path, operations in paths.items()
        for method in operations
        if method not in ("get", "head") and "/whep" not in path  # watching is reading
    ]
    assert len(mutating) >= 4  # POST and PATCH/DELETE cameras, DELETE dead letters
    for method, path in mutating:
        assert guarded.request(method, path, json={}).status_code == 401, (method, path)
        viewer = guarded.request(method, path, json={}, headers=_bearer(VIEWER))
        assert viewer.status_code == 403, (method, path)
        wrong = guarded.request(method, path, json={}, headers=_bearer("not-a-token-at-all"))
        assert wrong.status_code == 401


def test_watching_over_whep_needs_a_viewer_token(guarded: TestClient) -> None:
    offer = {"content": "v=0\r\n", "headers": {"Content-Type": "application/sdp"}}
    assert guarded.post("/api/cameras/x/whep", **offer).status_code == 401  # type: ignore[arg-type]
    as_viewer = guarded.post(
        "/api/cameras/x/whep",
        content="v=0\r\n",
        headers={"Content-Type": "application/sdp", **_bearer(VIEWER)},
    )
    assert as_viewer.status_code == 400  # let in: the offer itself is refused


def test_reads_need_a_viewer_token(guarded: TestClient) -> None:
    refused = guarded.get("/api/cameras")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert guarded.get("/api/events").status_code == 401
    assert guarded.get("/api/cameras", headers=_bearer(VIEWER)).status_code == 200
    # health, readiness and metrics stay open for probes and scrapers
    assert guarded.get("/healthz").status_code == 200
    assert guarded.get("/metrics").status_code == 200


QUERY_TOKEN_ROUTES = [  # what browsers load without headers: <img>, MJPEG, EventSource
    "/api/cameras/x/snapshot.jpg",
    "/api/cameras/x/mjpeg",
    "/api/cameras/x/heatmap.png",
    "/api/cameras/x/tracks/stream",
    "/api/events/x/thumbnail.jpg",
    "/api/events/x/clip.mp4",
]


def test_query_tokens_are_taken_only_where_browsers_need_them(guarded: TestClient) -> None:
    token = {"access_token": VIEWER}
    for path in QUERY_TOKEN_ROUTES:
        assert guarded.get(path).status_code == 401, path
        assert guarded.get(path, params=token).status_code == 404, path  # let in; nothing there
    with guarded.stream("GET", "/api/events/stream", params=token) as feed:
        assert feed.status_code == 200
    everything_else = ["/api/cameras", "/api/cameras/x", "/api/events", "/api/events/x",
                       "/api/counts", "/api/tracks", "/api/deadletters", "/api/cameras/x/tracks",
                       "/api/cameras/x/analytics", "/api/health"]  # fmt: skip
    for path in everything_else:
        refused = guarded.get(path, params=token)
        assert refused.status_code == 401, path
        assert "only taken by media" in refused.json()["detail"]
        assert guarded.get(path, headers=_bearer(VIEWER)).status_code != 401, path
    whep = guarded.post(
        "/api/cameras/x/whep",
        params=token,
        content="v=0\r\n",
        headers={"Content-Type": "application/sdp"},
    )
    assert whep.status_code == 401  # the viewer page sends its token in the header


def test_websockets_take_a_query_token(guarded: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect), guarded.websocket_connect("/api/events/ws"):
        pass
    with guarded.websocket_connect(f"/api/events/ws?access_token={VIEWER}") as ws:
        ws.close()


def test_admin_tokens_from_config_and_environment_write(
    guarded: TestClient, square_clip: Path
) -> None:
    body = {"id": "a", "url": str(square_clip), "enabled": False}
    assert guarded.post("/api/cameras", json=body, headers=_bearer(ADMIN)).status_code == 201
    body = {"id": "b", "url": str(square_clip), "enabled": False}
    assert guarded.post("/api/cameras", json=body, headers=_bearer(ENV_ADMIN)).status_code == 201
    # a token in the query string is for reading streams only, never for writing
    as_query = guarded.delete("/api/cameras/a", params={"access_token": ADMIN})
    assert as_query.status_code == 401


def test_no_response_or_log_line_contains_a_camera_password(
    guarded: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"rtsp://admin:{PASSWORD}@127.0.0.1:9/stream"
    admin = _bearer(ADMIN)
    bodies = [guarded.post("/api/cameras", json={"id": "gate", "url": url}, headers=admin).text]
    wait_until(
        lambda: guarded.get("/api/cameras/gate", headers=admin).json()["state"] == "backoff",
        timeout_s=10,
    )
    bad = guarded.post("/api/cameras", json={"id": "gate", "url": url}, headers=admin)
    assert bad.status_code == 409
    patched = guarded.patch("/api/cameras/gate", json={"url": url + "2"}, headers=admin)
    bodies += [bad.text, patched.text, guarded.get("/api/cameras", headers=admin).text]
    bodies.append(guarded.get("/metrics").text)
    everything = "\n".join(bodies) + "\n".join(r.getMessage() for r in caplog.records)
    assert "gate" in everything and "admin:***@127.0.0.1:9" in everything
    assert PASSWORD not in everything

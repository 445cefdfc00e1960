"""Hostile and careless input through the running app: 4xx (never 500), nothing saved, and the
service restarts cleanly on the same data afterwards (issue 13's "typo" and "No limits" inputs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.body_limit import MAX_BODY_BYTES
from tests.api.conftest import ServiceFactory
from tests.api.hostile import HOSTILE, HUGE_BODY, PASSWORD, STORED_URL, new_camera


def _settings(client: TestClient) -> list[dict[str, Any]]:
    cameras = client.get("/api/cameras")
    assert cameras.status_code == 200
    return [{k: v for k, v in c.items() if k not in ("state", "health")} for c in cameras.json()]


def _start(make_service: ServiceFactory) -> TestClient:
    return TestClient(create_app(make_service()))


def _add_cameras(client: TestClient, square_clip: Path) -> None:
    """Two saved cameras: one with a password, one from a real clip."""
    for camera in ({"id": "kept", "url": STORED_URL}, {"id": "clip", "url": str(square_clip)}):
        created = client.post("/api/cameras", json={**camera, "enabled": False})
        assert created.status_code == 201


@pytest.fixture
def kept(make_service: ServiceFactory, square_clip: Path) -> Iterator[TestClient]:
    with _start(make_service) as client:
        _add_cameras(client, square_clip)
        yield client


def _restarts_with(make_service: ServiceFactory, settings: list[dict[str, Any]]) -> None:
    with TestClient(create_app(make_service())) as client:
        assert client.get("/readyz").status_code == 200
        assert _settings(client) == settings


@pytest.mark.parametrize(
    ("method", "path", "body"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))]
)
def test_hostile_input_is_refused_and_saves_nothing(
    make_service: ServiceFactory, square_clip: Path, method: str, path: str, body: str
) -> None:
    with _start(make_service) as client:
        _add_cameras(client, square_clip)
        before = _settings(client)
        answer = client.request(
            method, path, content=body.encode(), headers={"content-type": "application/json"}
        )
        assert answer.status_code == 422, answer.text[:300]
        assert PASSWORD not in answer.text and "127.0.0.1:9" not in answer.text
        assert _settings(client) == before
    _restarts_with(make_service, before)


def test_a_failing_patch_never_shows_the_stored_url(kept: TestClient) -> None:
    for patch in ({"fps_cap": -1}, {"fps_cap": "fast"}, {"transport": "carrier-pigeon"}):
        answer = kept.patch("/api/cameras/kept", json=patch)
        assert answer.status_code == 422
        assert PASSWORD not in answer.text and "127.0.0.1" not in answer.text
        for error in answer.json()["detail"]:
            assert set(error) == {"loc", "msg", "type"}


def test_bodies_over_the_limit_get_413(kept: TestClient) -> None:
    before = _settings(kept)
    huge = HUGE_BODY.encode()
    declared = kept.post("/api/cameras", content=huge, headers={"content-type": "application/json"})
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(huge), 64 * 1024):
            yield huge[start : start + 64 * 1024]

    streamed = kept.post(
        "/api/cameras", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    just_under = new_camera(url="/" + "a" * (MAX_BODY_BYTES - 200)).encode()
    assert len(just_under) <= MAX_BODY_BYTES
    refused = kept.post(
        "/api/cameras", content=just_under, headers={"content-type": "application/json"}
    )
    assert refused.status_code == 422  # read, then refused by the URL's length limit
    assert _settings(kept) == before

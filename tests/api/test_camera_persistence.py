"""Cameras created, changed or deleted through the API stay so after a restart."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import ServiceFactory


def test_api_changes_to_cameras_survive_a_restart(
    make_service: ServiceFactory, square_clip: Path
) -> None:
    from_file = [
        {"id": "kept", "url": str(square_clip), "enabled": False},
        {"id": "gone", "url": str(square_clip), "enabled": False},
    ]
    with TestClient(create_app(make_service(cameras=from_file))) as client:
        created = {"id": "added", "url": str(square_clip), "enabled": False}
        assert client.post("/api/cameras", json=created).status_code == 201
        assert client.patch("/api/cameras/kept", json={"fps_cap": 3}).status_code == 200
        assert client.delete("/api/cameras/gone").status_code == 204

    with TestClient(create_app(make_service(cameras=from_file))) as client:
        cameras = {c["id"]: c for c in client.get("/api/cameras").json()}
    assert sorted(cameras) == ["added", "kept"]
    assert cameras["kept"]["fps_cap"] == 3 and cameras["added"]["state"] == "disabled"

"""Cameras created, changed or deleted through the API stay so after a restart."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from config import AppConfig, DetectorConfig
from detectors import Detector, ModelError
from service import build_service
from storage import default_url, open_database
from tests.api.conftest import ServiceFactory
from tests.blob_detector import BrightBlobDetector
from tests.sources import local_sources
from tests.waiting import wait_until


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


def _write_rows(data_dir: Path, rows: dict[str, str]) -> None:
    """Put camera rows straight into the database, as an older version or a hand edit could."""
    engine = open_database(default_url(data_dir))
    with engine.begin() as connection:
        for camera_id, text in rows.items():
            connection.execute(
                sa.text("INSERT INTO cameras (id, config, updated_at) VALUES (:id, :config, 0)"),
                {"id": camera_id, "config": text},
            )
    engine.dispose()


def _camera(client: TestClient, camera_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/cameras/{camera_id}")
    assert answer.status_code == 200
    camera: dict[str, Any] = answer.json()
    return camera


def test_a_saved_camera_that_no_longer_validates_fails_alone(
    make_service: ServiceFactory,
    square_clip: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    streaming = {"id": "good", "url": str(square_clip), "loop": True}
    with TestClient(create_app(make_service())) as client:
        assert client.post("/api/cameras", json=streaming).status_code == 201
    typo = {"id": "typo", "url": "http://admin:hunter2@[::1", "enabled": True}
    _write_rows(tmp_path / "data", {"typo": json.dumps(typo), "garbled": "{not json"})

    caplog.set_level(logging.INFO)
    with TestClient(create_app(make_service())) as client:
        listed = client.get("/api/cameras")
        assert listed.status_code == 200 and "hunter2" not in listed.text
        cameras = {c["id"]: c for c in listed.json()}
        assert sorted(cameras) == ["garbled", "good", "typo"]
        for broken in ("typo", "garbled"):
            assert cameras[broken]["state"] == cameras[broken]["health"]["state"] == "failed"
        assert "url" in cameras["typo"]["health"]["last_error"]
        assert "malformed URL" in cameras["typo"]["health"]["last_error"]
        wait_until(lambda: _camera(client, "good")["health"]["frames_analysed"] > 3, timeout_s=30)

        fixed = client.patch("/api/cameras/typo", json={"url": str(square_clip)})
        assert fixed.status_code == 200 and fixed.json()["state"] != "failed"
        wait_until(lambda: _camera(client, "typo")["health"]["frames_analysed"] > 0, timeout_s=30)
        assert client.delete("/api/cameras/garbled").status_code == 204

    logged = [r.getMessage() for r in caplog.records if "no longer valid" in r.getMessage()]
    assert any("camera typo" in line and "url" in line for line in logged), logged
    assert any("camera garbled" in line for line in logged), logged
    assert "hunter2" not in caplog.text

    with TestClient(create_app(make_service())) as client:
        cameras = {c["id"]: c for c in client.get("/api/cameras").json()}
    assert sorted(cameras) == ["good", "typo"]
    assert cameras["typo"]["url"] == str(square_clip)


def _detector(config: DetectorConfig) -> Detector:
    if config.model == "gone.pt":
        raise ModelError("gone.pt: no such model file")
    return BrightBlobDetector()


def test_a_saved_camera_whose_model_no_longer_loads_fails_alone(
    square_clip: Path, tmp_path: Path
) -> None:
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "auth": {"open": True, "hosts": ["testserver"]},
            "sources": local_sources(square_clip.parent).model_dump(),
        }
    )
    good = {"id": "good", "url": str(square_clip), "loop": True}
    gone = {**good, "id": "gone", "detector": {"model": "gone.pt"}}
    with TestClient(create_app(build_service(config, detector_factory=_detector))) as client:
        assert client.post("/api/cameras", json=good).status_code == 201
    _write_rows(tmp_path / "data", {"gone": json.dumps(gone)})

    with TestClient(create_app(build_service(config, detector_factory=_detector))) as client:
        failed = _camera(client, "gone")
        assert failed["state"] == "failed" and "gone.pt" in failed["health"]["last_error"]
        wait_until(lambda: _camera(client, "good")["health"]["frames_analysed"] > 3, timeout_s=30)
        assert client.delete("/api/cameras/gone").status_code == 204

"""The live path while a camera's model loads: health, the camera list, metrics and live feeds
keep answering (the load holds no lock that the event loop or the API waits on), and the camera
being added shows as ``starting``."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from config import AppConfig, DetectorConfig
from detectors import Detector
from service import build_service
from tests.blob_detector import BrightBlobDetector
from tests.sources import local_sources
from tests.waiting import wait_until

LOAD_LIMIT_S = 120.0
"""How long the slow model waits to be released before it finishes loading anyway (so that a
runtime that blocks during loads fails this test instead of hanging it)."""
SLOW_IMGSZ = 320
"""The detector config whose model loads slowly: the service's own detector is left as is."""


class SlowModels:
    """A detector factory whose ``SLOW_IMGSZ`` model loads until ``release`` is set."""

    def __init__(self) -> None:
        self.loading = threading.Event()
        self.release = threading.Event()
        self.loaded = threading.Event()

    def __call__(self, config: DetectorConfig) -> Detector:
        if config.imgsz == SLOW_IMGSZ:
            self.loading.set()
            self.release.wait(LOAD_LIMIT_S)
            self.loaded.set()
        return BrightBlobDetector()


def _analysed(client: TestClient, camera_id: str) -> int:
    frames: int = client.get(f"/api/cameras/{camera_id}").json()["health"]["frames_analysed"]
    return frames


def test_the_api_and_live_feeds_answer_while_a_model_loads(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, square_clip: Path
) -> None:
    models = SlowModels()
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "auth": {"open": True, "hosts": ["testserver"]},
            "sources": local_sources(tmp_path_factory.getbasetemp()).model_dump(),
            "cameras": [{"id": "lobby", "url": str(square_clip), "loop": True}],
        }
    )
    slow_camera = {"id": "yard", "url": str(square_clip), "loop": True}
    slow_camera["detector"] = {"imgsz": SLOW_IMGSZ}
    created: list[int] = []
    with TestClient(create_app(build_service(config, detector_factory=models))) as client:
        with client.websocket_connect("/api/cameras/lobby/tracks/ws") as viewer:
            assert viewer.receive_json()["camera_id"] == "lobby"
            adding = threading.Thread(
                target=lambda: created.append(
                    client.post("/api/cameras", json=slow_camera).status_code
                )
            )
            adding.start()
            try:
                assert models.loading.wait(LOAD_LIMIT_S)
                health = client.get("/healthz")
                cameras = client.get("/api/cameras")
                lobby = client.get("/api/cameras/lobby")
                metrics = client.get("/metrics")
                frame = viewer.receive_json()
                # the other camera's analysis goes on meanwhile (its first frames may still
                # have been at the detector when the load began)
                analysed = lobby.json()["health"]["frames_analysed"]
                wait_until(lambda: _analysed(client, "lobby") > analysed, LOAD_LIMIT_S / 2)
                answered_during_the_load = not models.loaded.is_set()
            finally:
                models.release.set()
                adding.join()
        assert answered_during_the_load
        assert health.json() == {"status": "ok"}
        assert {c["id"] for c in cameras.json()} == {"lobby", "yard"}
        # the camera being added shows as starting, not disabled or absent, while its model loads
        yard = next(c for c in cameras.json() if c["id"] == "yard")
        assert (yard["state"], yard["health"]["detector_state"]) == ("starting", "loading model")
        assert client.get("/api/cameras/yard").json()["state"] != "starting"
        assert "trackcast_events_dropped_total" in metrics.text
        assert frame["camera_id"] == "lobby"
        assert created == [201]
        assert client.get("/api/cameras/yard").json()["enabled"]

"""Deleting a camera releases its detector worker (thread and model) once no other camera uses
it, and a camera added later with the same detector config gets a fresh worker. Cameras are
created and deleted through the API of a real uvicorn server; counts come from ``/metrics``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from config import AppConfig
from service import build_service
from tests.blob_detector import HeavyBlobDetector
from tests.servers.api_server import ApiServer
from tests.servers.raw_clients import gauge
from tests.sources import local_sources
from tests.waiting import wait_until

IMGSZ = (64, 96, 128, 160, 192)
"""Five detector configs: one worker each."""
ROUNDS = 4


@pytest.fixture
def server(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "auth": {"open": True},
            "sources": local_sources(tmp_path_factory.getbasetemp()).model_dump(),
        }
    )
    service = build_service(config, detector_factory=lambda _: HeavyBlobDetector(ballast_mb=50))
    with ApiServer(create_app(service)) as api:
        yield api


def _camera(camera_id: str, clip: Path, imgsz: int) -> dict[str, Any]:
    return {"id": camera_id, "url": str(clip), "loop": True, "detector": {"imgsz": imgsz}}


def _workers(api: ApiServer) -> float:
    return gauge(api.url, "trackcast_detector_workers")


def test_twenty_cameras_with_five_detector_configs_leave_no_worker(
    server: ApiServer, square_clip: Path
) -> None:
    workers = _workers(server)
    threads = gauge(server.url, "trackcast_service_threads")
    for round_ in range(ROUNDS):
        ids = [f"cam-{round_}-{imgsz}" for imgsz in IMGSZ]
        for camera_id, imgsz in zip(ids, IMGSZ, strict=True):
            body = _camera(camera_id, square_clip, imgsz)
            httpx.post(f"{server.url}/api/cameras", json=body, timeout=60).raise_for_status()
        assert _workers(server) == workers + len(IMGSZ)
        for camera_id in ids:
            httpx.delete(f"{server.url}/api/cameras/{camera_id}", timeout=60).raise_for_status()
        assert _workers(server) == workers
    wait_until(lambda: gauge(server.url, "trackcast_service_threads") == threads, 30, step_s=0.1)


def test_a_shared_worker_stays_until_its_last_camera_goes(
    server: ApiServer, square_clip: Path
) -> None:
    cameras = f"{server.url}/api/cameras"
    for camera_id in ("a", "b"):
        httpx.post(cameras, json=_camera(camera_id, square_clip, 64), timeout=60).raise_for_status()
    assert _workers(server) == 1
    httpx.delete(f"{cameras}/a", timeout=60).raise_for_status()
    assert _workers(server) == 1
    assert gauge(server.url, "trackcast_detector_worker_cameras", {"worker": "detector-0"}) == 1
    httpx.delete(f"{cameras}/b", timeout=60).raise_for_status()
    assert _workers(server) == 0
    httpx.post(cameras, json=_camera("c", square_clip, 64), timeout=60).raise_for_status()
    assert _workers(server) == 1  # a fresh worker, under a new name
    assert gauge(server.url, "trackcast_detector_worker_cameras", {"worker": "detector-1"}) == 1
    httpx.delete(f"{cameras}/c", timeout=60).raise_for_status()
    assert _workers(server) == 0

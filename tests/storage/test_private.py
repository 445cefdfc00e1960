"""The data directory, the database (camera passwords) and thumbnails are private to the
service's user whatever the umask, and looser modes from older versions are fixed at start."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from config import AppConfig, CameraConfig
from events import Event, Evidence
from service import build_service
from tests.blob_detector import BrightBlobDetector


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)  # the loosest umask: nothing may rely on it
    try:
        yield
    finally:
        os.umask(previous)


@contextmanager
def _built(data_dir: Path, camera_id: str = "gate") -> Iterator[None]:
    """A service that has saved a camera and a thumbnail, its database still open (WAL files
    exist while a connection does)."""
    config = AppConfig.model_validate(
        {"data_dir": str(data_dir), "sources": {"private_networks": True}}
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    try:
        url = "rtsp://admin:hunter2-s3cret@127.0.0.1:9/x"
        service.cameras.create(CameraConfig(id=camera_id, url=url, enabled=False))
        frame = np.zeros((64, 64, 3), dtype=np.uint8)
        event = Event(type="track.started", camera_id="gate", time=0.0)
        assert service.thumbnails.save(event, Evidence(frame, (1, 1, 20, 20))) is not None
        with service.store.engine.connect():
            yield
    finally:
        service.store.engine.dispose()


@pytest.mark.usefixtures("open_umask")
def test_new_data_directory_database_and_thumbnails_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"
    with _built(data_dir):
        assert _mode(data_dir) == 0o700 and _mode(data_dir.parent) == 0o700
        written = list(data_dir.glob("trackcast.db*"))
        assert len(written) == 3  # the database, its WAL and its shared memory
        assert {p.name: _mode(p) for p in written} == {p.name: 0o600 for p in written}
    thumbnails = list((data_dir / "thumbnails").rglob("*"))
    assert any(p.suffix == ".jpg" for p in thumbnails)
    for path in thumbnails:
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path


@pytest.mark.usefixtures("open_umask")
def test_looser_modes_left_by_older_versions_are_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with _built(data_dir):
        data_dir.chmod(0o755)
        loose = list(data_dir.glob("trackcast.db*"))
        for path in loose:
            path.chmod(0o644)
        assert len(loose) == 3
        with _built(data_dir, camera_id="yard"):
            assert _mode(data_dir) == 0o700
            assert {p.name: _mode(p) for p in loose} == {p.name: 0o600 for p in loose}

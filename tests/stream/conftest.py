"""Fixtures for live-camera tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from stream.live import LiveCamera


@pytest.fixture
def cameras() -> Iterator[list[LiveCamera]]:
    """Collects cameras a test starts and checks that stopping them leaves no thread behind."""
    started: list[LiveCamera] = []
    yield started
    for camera in started:
        assert camera.stop(timeout_s=15), f"{camera.camera_id} did not stop"
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast-camera")]
    assert leftovers == []

"""Fixtures shared by the service tests that need a real camera."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import AppConfig
from tests.media import write_moving_square_clip
from tests.servers.rtsp import RtspCamera
from tests.sources import local_sources

SQUARE_FPS = 10
"""The square camera's frame rate."""


@pytest.fixture
def square_camera(tmp_path: Path) -> Iterator[RtspCamera]:
    """A real RTSP server looping a 30-frame, 10 fps clip of a square that crosses x=160 once
    every 3 s loop (a keyframe every 5 frames)."""
    clip = tmp_path / "square30.mp4"
    write_moving_square_clip(clip, frames=30, fps=SQUARE_FPS)
    camera = RtspCamera(clip)
    camera.start()
    try:
        yield camera
    finally:
        camera.stop()


def door_config(tmp_path: Path, url: str, **camera: Any) -> AppConfig:
    """An open service under ``tmp_path`` with one camera ``door`` at ``url`` counting on a
    vertical line ``middle`` through the picture's centre (the square camera crosses it);
    ``camera`` adds to (or replaces) the camera's settings, e.g. ``clips``."""
    line = {
        "name": "middle",
        "points": [[0.5, 0.0], [0.5, 1.0]],
        "coordinates": "normalized",
        "anchor": "center",
    }
    return AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "auth": {"open": True},
            "tracker": {"lost_timeout_s": 0.3},
            "storage": {"flush_interval_ms": 50},
            "sources": local_sources(tmp_path).model_dump(),
            "cameras": [{"id": "door", "url": url, "lines": [line], **camera}],
        }
    )

"""Fixtures shared by the service tests that need a real camera."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.media import write_moving_square_clip
from tests.servers.rtsp import RtspCamera

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

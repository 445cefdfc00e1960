"""Live-stream fixtures: an H.264 camera clip cut from vtest.avi and a real RTSP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.rtsp import RtspCamera, encode_camera_clip

CLIP_FRAMES = 100
"""10 s of vtest.avi at 10 fps, looped by the server; an IDR every second."""


@pytest.fixture(scope="session")
def camera_clip(vtest: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = tmp_path_factory.mktemp("camera") / "vtest-gop10.mp4"
    encode_camera_clip(vtest, clip, frames=CLIP_FRAMES)
    return clip


@pytest.fixture
def rtsp_camera(camera_clip: Path) -> Iterator[RtspCamera]:
    camera = RtspCamera(camera_clip)
    camera.start()
    try:
        yield camera
    finally:
        camera.stop()

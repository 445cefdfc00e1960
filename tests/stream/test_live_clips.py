"""A live camera keeps its own encoded packets in a ring, and a clip remuxed from it plays."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from stream.clip_writer import write_clip
from stream.live import LiveCamera, LiveSettings
from stream.packet_ring import PacketRing, RingLimits
from tests.media import write_moving_square_clip
from tests.servers.rtsp import RtspCamera
from tests.stream.clip_media import FPS, GOP
from tests.waiting import wait_until

RTSP_FPS = 10
RTSP_GOP = 10


@pytest.fixture
def ring_camera() -> Iterator[list[LiveCamera]]:
    cameras: list[LiveCamera] = []
    yield cameras
    for camera in cameras:
        assert camera.stop()


def _start(cameras: list[LiveCamera], url: str, ring: PacketRing, **settings: object) -> LiveCamera:
    camera = LiveCamera("clips", url, LiveSettings(**settings), ring=ring)  # type: ignore[arg-type]
    cameras.append(camera)
    camera.start()
    return camera


def _decoded(path: Path) -> tuple[str, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.name, sum(1 for _ in container.decode(stream))


def test_an_rtsp_camera_fills_its_ring_and_a_clip_of_it_plays(
    rtsp_camera: RtspCamera, ring_camera: list[LiveCamera], tmp_path: Path
) -> None:
    ring = PacketRing(RingLimits(max_seconds=3.0, max_bytes=64 * 1024 * 1024))
    camera = _start(ring_camera, rtsp_camera.url, ring)
    wait_until(lambda: camera.health().frames_in >= 5 * RTSP_FPS, timeout_s=30)
    stats = ring.stats()
    assert stats.packets > 0 and stats.bytes > 0
    assert stats.seconds <= 3.0 + 1.0 / RTSP_FPS  # whole GOPs, within the cap
    assert stats.evicted_packets > 0  # 5 s through a 3 s ring

    t1 = time.time()
    t0 = t1 - 1.5
    clip = ring.slice(t0, t1)
    assert clip is not None and clip.packets[0].keyframe
    info = write_clip(tmp_path / "live.mp4", clip)
    assert info.start <= t0
    codec, frames = _decoded(info.path)
    assert codec == "h264"
    assert frames == len(clip.packets)
    span = round((t1 - t0) * RTSP_FPS)
    assert span - 2 <= frames <= span + RTSP_GOP + 2


def test_a_file_camera_keeps_packets_from_a_keyframe(
    ring_camera: list[LiveCamera], tmp_path: Path
) -> None:
    source = tmp_path / "square.mp4"
    write_moving_square_clip(source, frames=30, fps=FPS)
    ring = PacketRing(RingLimits(max_seconds=60, max_bytes=64 * 1024 * 1024))
    camera = _start(ring_camera, str(source), ring, realtime=False)
    wait_until(lambda: not camera.running, timeout_s=30)
    stats = ring.stats()
    assert stats.packets == 30 and stats.gops == 30 // GOP
    clip = ring.slice(0, time.time())
    assert clip is not None
    info = write_clip(tmp_path / "file.mp4", clip)
    assert _decoded(info.path) == ("h264", 30)

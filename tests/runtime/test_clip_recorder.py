"""Event clips written from a live camera's ring once their post-capture time has passed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from runtime.clip_recorder import (
    MAX_PENDING,
    STOPPED_BEFORE_WRITTEN,
    ClipRecorder,
    ClipState,
    ClipStatus,
    ClipWindow,
)
from stream.live import LiveCamera, LiveSettings
from stream.packet_ring import PacketRing, RingLimits
from tests.servers.rtsp import RtspCamera
from tests.waiting import wait_until

RTSP_FPS = 10
RTSP_GOP = 10
MIB = 1024 * 1024


@pytest.fixture
def workers() -> Iterator[list[LiveCamera | ClipRecorder]]:
    started: list[LiveCamera | ClipRecorder] = []
    yield started
    for worker in reversed(started):
        assert worker.stop()


def test_a_clip_spans_pre_to_post_capture_around_its_event(
    rtsp_camera: RtspCamera, workers: list[LiveCamera | ClipRecorder], tmp_path: Path
) -> None:
    ring = PacketRing(RingLimits(max_seconds=10, max_bytes=64 * MIB))
    camera = LiveCamera("door", rtsp_camera.url, LiveSettings(), ring=ring)
    recorder = ClipRecorder("door", ring, ClipWindow(2.0, 1.0), tmp_path / "clips")
    workers.extend([camera, recorder])
    camera.start()
    recorder.start()
    wait_until(lambda: ring.stats().seconds >= 3.5, timeout_s=30)

    at = time.time()
    pending = recorder.request("event-1", at)
    assert pending.state is ClipState.PENDING
    wait_until(lambda: recorder.status("event-1").state is not ClipState.PENDING, 30)  # type: ignore[union-attr]
    status = recorder.status("event-1")
    assert status is not None and status.state is ClipState.READY, status
    assert status.complete and status.clip is not None and status.path is not None
    assert status.clip.start <= at - 2.0
    assert status.clip.end >= at + 1.0 - 1 / RTSP_FPS
    with av.open(str(status.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = sum(1 for _ in container.decode(stream))
    span = round(3.0 * RTSP_FPS)
    assert span - 2 <= frames <= span + RTSP_GOP + 2

    recorder.expire("event-1")
    assert recorder.status("event-1").state is ClipState.EXPIRED  # type: ignore[union-attr]
    assert not status.path.exists()


def test_no_video_in_the_ring_fails_the_clip(
    workers: list[LiveCamera | ClipRecorder], tmp_path: Path
) -> None:
    ring = PacketRing(RingLimits(max_seconds=10, max_bytes=MIB))
    recorder = ClipRecorder("door", ring, ClipWindow(0.0, 0.0), tmp_path / "clips")
    workers.append(recorder)
    recorder.start()
    recorder.request("event-2", time.time())
    wait_until(lambda: recorder.status("event-2").state is ClipState.FAILED, 10)  # type: ignore[union-attr]
    assert recorder.status("event-2").error == "no video in the ring"  # type: ignore[union-attr]
    assert not (tmp_path / "clips").exists()  # nothing written, not even its folder
    health = recorder.health()
    assert (health.written, health.failed, health.last_error) == (0, 1, "no video in the ring")
    assert health.failing_since is not None


def test_settled_clips_are_saved_retried_and_failed_on_stop(tmp_path: Path) -> None:
    saved: list[tuple[str, ClipState, str | None]] = []
    attempts = [0]

    def save(status: ClipStatus) -> None:
        attempts[0] += 1
        if attempts[0] == 1:
            raise ConnectionError("database went away")
        saved.append((status.event_id, status.state, status.error))

    ring = PacketRing(RingLimits(max_seconds=10, max_bytes=MIB))
    recorder = ClipRecorder("door", ring, ClipWindow(0.0, 0.0), tmp_path, on_settled=save)
    recorder.start()
    try:
        recorder.request("now", time.time())
        recorder.request("later", time.time() + 3600)
        wait_until(lambda: bool(saved), 30)  # the first save failed: retried
        assert saved == [("now", ClipState.FAILED, "no video in the ring")]
    finally:
        assert recorder.stop()
    assert saved[1:] == [("later", ClipState.FAILED, STOPPED_BEFORE_WRITTEN)]
    assert recorder.health().failed == 1  # a camera that stops is no write failure


def test_requests_beyond_the_pending_cap_fail_at_once(tmp_path: Path) -> None:
    ring = PacketRing(RingLimits(max_seconds=10, max_bytes=MIB))
    recorder = ClipRecorder("door", ring, ClipWindow(5.0, 5.0), tmp_path / "clips")
    at = time.time()
    for number in range(MAX_PENDING):
        assert recorder.request(f"e{number}", at).state is ClipState.PENDING
    refused = recorder.request("one-too-many", at)
    assert refused.state is ClipState.FAILED and refused.error == "too many clips pending"
    assert recorder.refused == 1

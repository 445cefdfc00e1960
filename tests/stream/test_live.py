"""LiveCamera against a real RTSP server (Debian's GStreamer RTSP server), files and bad URLs."""

from __future__ import annotations

import http.server
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from stream.health import CameraState
from stream.live import LiveCamera
from tests.servers.rtsp import RtspCamera
from tests.stream.live_helpers import FrameRecorder, start
from tests.waiting import wait_until


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_streams_real_frames_over_rtsp(
    rtsp_camera: RtspCamera, cameras: list[LiveCamera], transport: str
) -> None:
    camera = start(cameras, rtsp_camera.url, rtsp_transport=transport)
    recorder = FrameRecorder(camera)
    wait_until(lambda: recorder.count >= 30, timeout_s=15)
    # The first second arrives in a burst (FFmpeg's probe); the 5 s rate window then settles.
    time.sleep(5.5)
    health = camera.health()
    assert health.state is CameraState.STREAMING
    assert 8 <= health.fps_in <= 12  # the server plays at 10 fps
    assert health.last_frame_at is not None and time.time() - health.last_frame_at < 1
    camera.stop()
    recorder.join()
    assert recorder.suspicious == []
    assert recorder.indices == sorted(set(recorder.indices))
    assert recorder.indices[0] == 0 and len(recorder.indices) >= 30


def test_recovers_from_three_server_outages_no_slower_than_a_fresh_connect(
    rtsp_camera: RtspCamera, cameras: list[LiveCamera]
) -> None:
    settings = {"backoff_max_s": 1.0, "stall_timeout_s": 3.0}
    fresh = []
    for _ in range(2):  # how long a new connection to this server takes to its first frame
        probe = start(cameras, rtsp_camera.url, **settings)
        fresh.append(wait_until(lambda p=probe: p.health().frames_in > 0, timeout_s=15))  # type: ignore[misc]
        assert probe.stop()
    camera = start(cameras, rtsp_camera.url, **settings)
    recorder = FrameRecorder(camera)
    wait_until(lambda: recorder.count > 0, timeout_s=15)
    for outage in range(3):
        rtsp_camera.stop()
        wait_until(
            lambda: camera.health().state in (CameraState.STALLED, CameraState.BACKOFF),
            timeout_s=settings["stall_timeout_s"] + 0.5,  # the watchdog, plus polling slack
        )
        time.sleep(1.5)  # stays down long enough for a few refused reconnects
        assert camera.health().state in (CameraState.BACKOFF, CameraState.CONNECTING)
        before = recorder.count
        rtsp_camera.start()  # same port
        resumed = wait_until(lambda b=before: recorder.count > b, timeout_s=15)  # type: ignore[misc]
        assert resumed <= max(fresh) + 1.0, (outage, resumed, fresh)
    health = camera.health()
    assert health.reconnects >= 3 and health.state is CameraState.STREAMING
    camera.stop()
    recorder.join()
    assert recorder.suspicious == []


def test_offline_at_start_keeps_retrying_with_growing_delays(
    camera_clip: Path, cameras: list[LiveCamera]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = RtspCamera(camera_clip, port=port)
    camera = start(cameras, server.url, backoff_initial_s=0.2, backoff_max_s=1.6)
    wait_until(lambda: camera.health().reconnects >= 4, timeout_s=10)
    delays = [
        float(re.search(r"retrying in ([0-9.]+) s", t.error or "").group(1))  # type: ignore[union-attr]
        for t in list(camera.history)
        if t.state is CameraState.BACKOFF
    ]
    assert len(delays) >= 4 and delays[3] > delays[0]
    assert camera.health().state in (CameraState.BACKOFF, CameraState.CONNECTING)
    assert "cannot connect to rtsp://127.0.0.1" in (camera.health().last_error or "")
    server.start()
    try:
        wait_until(lambda: camera.health().frames_in >= 5, timeout_s=15)
        assert camera.health().state is CameraState.STREAMING
    finally:
        server.stop()


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><html><body>" + b"<p>not a camera</p>" * 200 + b"</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo://camera/stream", "unsupported URL scheme"),
        ("rtsp://", "no host"),
        ("html", "is not a video"),
        ("/nonexistent/clip.mp4", "no such file"),
    ],
)
def test_impossible_sources_fail_once_with_a_clear_error(
    url: str, message: str, html_server: str, cameras: list[LiveCamera]
) -> None:
    camera = start(cameras, html_server if url == "html" else url)
    wait_until(lambda: not camera.running, timeout_s=15)
    health = camera.health()
    assert health.state is CameraState.FAILED
    assert message in (health.last_error or "")
    assert health.reconnects == 0


def test_a_file_plays_in_real_time_and_loops(square_clip: Path, cameras: list[LiveCamera]) -> None:
    camera = start(cameras, str(square_clip), loop=True)
    recorder = FrameRecorder(camera)
    elapsed = wait_until(lambda: recorder.count >= 25, timeout_s=10)
    assert 2.0 <= elapsed <= 4.0  # 25 frames at the clip's 10 fps, across one loop
    assert camera.health().state is CameraState.STREAMING
    camera.stop()
    recorder.join()
    assert recorder.indices[:3] == [0, 1, 2]


def test_a_file_without_loop_stops_at_its_end(square_clip: Path, cameras: list[LiveCamera]) -> None:
    camera = start(cameras, str(square_clip), realtime=False)
    wait_until(lambda: not camera.running, timeout_s=10)
    health = camera.health()
    assert health.state is CameraState.STOPPED and health.frames_in == 20


def test_frames_are_numbered_per_camera_and_carry_their_camera(
    square_clip: Path, cameras: list[LiveCamera]
) -> None:
    camera = start(cameras, str(square_clip), loop=True)
    wait_until(lambda: camera.health().frames_in >= 3, timeout_s=10)
    frame = camera.frames.take(1.0)
    assert frame is not None and frame.source_id == camera.camera_id
    assert isinstance(frame.image, np.ndarray) and frame.received_at <= time.time()


def test_an_unplugged_webcam_is_retried_not_failed(cameras: list[LiveCamera]) -> None:
    """No V4L2 device exists on the test machines, so this covers the retry path, not capture."""
    camera = start(cameras, "/dev/video57", backoff_initial_s=0.1, backoff_max_s=0.2)
    wait_until(lambda: camera.health().reconnects >= 2, timeout_s=5)
    health = camera.health()
    assert health.state in (CameraState.BACKOFF, CameraState.CONNECTING)
    assert "no such file: /dev/video57" in (health.last_error or "")

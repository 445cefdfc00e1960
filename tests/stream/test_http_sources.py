"""HTTP sources through real servers: progressive MP4, HLS made by Debian's ffmpeg, and MJPEG."""

from __future__ import annotations

import functools
import http.server
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from stream import VideoSource
from stream.health import CameraState
from stream.live import LiveCamera
from tests.conftest import CAMERA_CLIP_FRAMES
from tests.stream.live_helpers import start
from tests.waiting import wait_until


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1, and its base URL."""
    handler = functools.partial(_QuietFiles, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_progressive_mp4_over_http(camera_clip: Path, http_folder: tuple[Path, str]) -> None:
    """Progressive download needs the index first (``+faststart``): this server has no ranges."""
    folder, base = http_folder
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(camera_clip), "-c", "copy",
         "-movflags", "+faststart", str(folder / "clip.mp4")],
        check=True,
        timeout=60,
    )  # fmt: skip
    with VideoSource(f"{base}/clip.mp4", open_timeout_s=5, read_timeout_s=5) as source:
        assert source.kind.network and (source.info.width, source.info.height) == (768, 576)
        assert sum(1 for _ in source.frames()) == CAMERA_CLIP_FRAMES


def test_hls_playlist_made_by_ffmpeg(camera_clip: Path, http_folder: tuple[Path, str]) -> None:
    folder, base = http_folder
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(camera_clip), "-c", "copy", "-f", "hls",
         "-hls_time", "1", "-hls_list_size", "0", "-hls_playlist_type", "vod",
         str(folder / "live.m3u8")],
        check=True,
        timeout=60,
    )  # fmt: skip
    assert len(list(folder.glob("*.ts"))) >= 5
    with VideoSource(f"{base}/live.m3u8", open_timeout_s=5, read_timeout_s=5) as source:
        assert source.info.codec == "h264"
        assert sum(1 for _ in source.frames()) == CAMERA_CLIP_FRAMES


class _MjpegHandler(http.server.BaseHTTPRequestHandler):
    """An endless MJPEG camera: 10 fps, each frame a grey level that encodes its number."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        for index in range(10_000):
            image = np.full((240, 320, 3), (index * 10) % 250, dtype=np.uint8)
            cv2.putText(image, str(index), (40, 140), cv2.FONT_HERSHEY_SIMPLEX, 3, (255,) * 3, 5)
            _, jpeg = cv2.imencode(".jpg", image)
            header = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            try:
                self.wfile.write(header.encode() + jpeg.tobytes() + b"\r\n")
            except OSError:
                return
            time.sleep(0.1)

    def log_message(self, *args: object) -> None:
        pass


def test_mjpeg_camera_over_http(cameras: list[LiveCamera]) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _MjpegHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        camera = start(cameras, f"http://127.0.0.1:{server.server_address[1]}/video.mjpg")
        wait_until(lambda: camera.health().frames_in >= 30, timeout_s=15)
        health = camera.health()
        assert health.state is CameraState.STREAMING and 8 <= health.fps_in <= 12
        frame = camera.frames.take(1.0)
        assert frame is not None and frame.image.shape == (240, 320, 3)
        assert camera.stop()
    finally:
        server.shutdown()
        server.server_close()

"""HTTP sources through real servers: progressive MP4, HLS made by Debian's ffmpeg, and MJPEG."""

from __future__ import annotations

import functools
import http.server
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from stream import SourceError, SourceOpenError, VideoSource
from stream.health import CameraState
from stream.live import LiveCamera
from tests.conftest import CAMERA_CLIP_FRAMES
from tests.servers.http_recorder import RecordingHttpServer
from tests.stream.live_helpers import start
from tests.waiting import scaled, wait_until


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
        timeout=scaled(60),
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
        timeout=scaled(60),
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


@pytest.mark.parametrize("status", [401, 404, 500])
def test_an_http_error_says_cannot_connect_and_nothing_the_server_said(status: int) -> None:
    with RecordingHttpServer(status) as server:
        url = f"http://viewer:pw@127.0.0.1:{server.port}/video.mjpg"
        with pytest.raises(SourceOpenError) as caught:
            VideoSource(url, open_timeout_s=5, read_timeout_s=5)
    assert (
        str(caught.value)
        == f"cannot connect to http://viewer:***@127.0.0.1:{server.port}/video.mjpg"
    )
    assert server.requests == ["/video.mjpg"]


def test_a_playlist_file_cannot_reach_out_to_the_network(tmp_path: Path) -> None:
    """A file camera may only read files: an HLS playlist pointing at a URL opens nothing."""
    with RecordingHttpServer(200) as server:
        playlist = tmp_path / "trap.m3u8"
        playlist.write_text(
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n"
            f"http://127.0.0.1:{server.port}/segment.ts\n#EXT-X-ENDLIST\n"
        )
        with pytest.raises(SourceError):
            VideoSource(str(playlist), open_timeout_s=5, read_timeout_s=5)
    assert server.requests == []


def test_an_http_url_cannot_make_ffmpeg_listen(http_folder: tuple[Path, str]) -> None:
    """An SDP file served over HTTP would have FFmpeg bind the UDP ports it names and wait for
    RTP from anyone (it does without a protocol whitelist); an HTTP camera may only use HTTP."""
    folder, base = http_folder
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (folder / "cam.sdp").write_text(
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=video {port} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    )
    bound: list[bool] = []
    done = threading.Event()

    def watch() -> None:
        bound.append(_udp_port_bound(port))
        while not done.wait(0.02):
            bound.append(_udp_port_bound(port))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with pytest.raises(SourceError):
            VideoSource(f"{base}/cam.sdp", open_timeout_s=3, read_timeout_s=3)
    finally:
        done.set()
        watcher.join(5)
    assert bound and not any(bound)


def _udp_port_bound(port: int) -> bool:
    """Whether any UDP socket of this machine is bound to ``port`` (from /proc/net/udp*)."""
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        lines = Path(table).read_text().splitlines()[1:]
        if any(line.split()[1].endswith(f":{port:04X}") for line in lines):
            return True
    return False

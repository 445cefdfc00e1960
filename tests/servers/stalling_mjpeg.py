"""An HTTP MJPEG camera on 127.0.0.1 that wants a password, sends some frames, then stalls: the
connection stays open and silent, so the client's read times out (FFmpeg's error names the URL)."""

from __future__ import annotations

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlsplit

import cv2
import numpy as np


class StallingMjpegCamera:
    """``with StallingMjpegCamera(user, password, key) as camera:`` serves ``camera.url`` (Basic
    auth ``user:password`` and ``?apikey=key``); each connection gets ``frames`` frames at 10 fps,
    then silence until the camera closes."""

    def __init__(self, user: str, password: str, key: str, frames: int = 20) -> None:
        self.credentials = (user, password)
        self.key = key
        self.frames = frames
        self.connections = 0
        self.closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_class(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        user, password = self.credentials
        port = self._server.server_address[1]
        return f"http://{user}:{password}@127.0.0.1:{port}/video.mjpg?apikey={self.key}"

    def authorized(self, handler: BaseHTTPRequestHandler) -> bool:
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        query = parse_qs(urlsplit(handler.path).query)
        return handler.headers.get("Authorization") == f"Basic {expected}" and query.get(
            "apikey"
        ) == [self.key]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _jpeg(index: int) -> bytes:
    image = np.full((120, 160, 3), (index * 10) % 250, dtype=np.uint8)
    ok, jpeg = cv2.imencode(".jpg", image)
    assert ok
    return bytes(jpeg.tobytes())


def _handler_class(camera: StallingMjpegCamera) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not camera.authorized(self):
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            camera.connections += 1
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            try:
                for index in range(camera.frames):
                    jpeg = _jpeg(index)
                    head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}"
                    self.wfile.write(f"{head}\r\n\r\n".encode() + jpeg + b"\r\n")
                    time.sleep(0.1)
            except OSError:
                return
            camera.closing.wait()  # stall: the connection stays open, nothing more comes

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler

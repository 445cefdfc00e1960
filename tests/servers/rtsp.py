"""Start and stop the GStreamer RTSP test camera from the project's Python."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Self

import av
import cv2
import numpy as np
import numpy.typing as npt

from stream import VideoSource
from tests.waiting import scaled

SERVER_SCRIPT = Path(__file__).with_name("gst_rtsp_server.py")
DEBIAN_PYTHON = "/usr/bin/python3"


def encode_camera_clip(
    source: Path,
    target: Path,
    *,
    frames: int,
    gop: int = 10,
    size: tuple[int, int] | None = None,
    stamp: Callable[[npt.NDArray[np.uint8], int], None] | None = None,
) -> None:
    """Re-encode the first ``frames`` of ``source`` to an H.264 MP4 with an IDR every ``gop``,
    optionally resized to ``size`` (width, height) and marked by ``stamp(image, index)``."""
    with VideoSource(str(source)) as reader, av.open(str(target), mode="w") as writer:
        fps = Fraction(reader.info.fps).limit_denominator(1001)
        stream = writer.add_stream("libx264", rate=fps)
        width, height = size or (reader.info.width, reader.info.height)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {
            "preset": "veryfast",
            "tune": "zerolatency",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
        }
        for frame in reader.frames():
            if frame.index >= frames:
                break
            image = frame.image
            if size is not None:
                image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
            if stamp is not None:
                image = image.copy()
                stamp(image, frame.index)
            video = av.VideoFrame.from_ndarray(image, format="bgr24")
            video.pts = frame.index
            writer.mux(stream.encode(video))
        writer.mux(stream.encode(None))


class RtspCamera:
    """The test RTSP server as a context manager; ``stop()`` and ``start()`` simulate outages."""

    def __init__(
        self,
        clip: Path,
        *,
        port: int = 0,
        path: str = "/cam",
        on_push: Callable[[float, float], None] | None = None,
    ) -> None:
        """``on_push(clip_seconds, wall_time)`` is called for every frame the server sends."""
        self.clip = clip
        self.on_push = on_push
        self.port = port
        self.path = path
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}{self.path}"

    def start(self, timeout_s: float = 10.0) -> None:
        process = subprocess.Popen(
            [DEBIAN_PYTHON, str(SERVER_SCRIPT), str(self.clip), "--port", str(self.port),
             "--path", self.path, *(["--log-push"] if self.on_push else [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        self._process = process
        deadline = time.monotonic() + scaled(timeout_s)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT ") or time.monotonic() > deadline:
            self.stop()
            raise RuntimeError(f"RTSP test server did not start (said {line!r})")
        self.port = int(line.split()[1])
        if self.on_push is not None:
            self._reader = threading.Thread(target=self._read_pushes, args=(process,), daemon=True)
            self._reader.start()

    def _read_pushes(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None and self.on_push is not None
        for line in process.stdout:
            if line.startswith("PUSH "):
                _, position, wall = line.split()
                self.on_push(float(position), float(wall))

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.kill()
        self._process.wait(timeout=scaled(10))
        if self._reader is not None:
            self._reader.join(scaled(5))  # it sees end of file now that the server is gone
            self._reader = None
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

"""Annotated H.264 MP4 output, one output frame per input frame, playable in browsers."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import av.error

from outputs.errors import ensure_writable, write_error
from outputs.overlay import Image, TrackOverlay
from outputs.records import FrameResult, FrameSink


class AnnotatedVideoWriter(FrameSink):
    """Draws every frame's tracks and encodes it with libx264 (yuv420p, ``+faststart``).

    Odd widths or heights lose their last pixel column or row: yuv420p needs even sizes.
    """

    def __init__(self, path: Path, *, width: int, height: int, fps: float, crf: int = 23) -> None:
        self.path = path
        self._overlay = TrackOverlay(trail_length=max(2, round(fps * 2)))
        self._size = (width - width % 2, height - height % 2)
        ensure_writable(path)  # FFmpeg would only notice when the first frame is written
        try:
            self._container = av.open(
                str(path), mode="w", format="mp4", options={"movflags": "+faststart"}
            )
        except (OSError, av.error.FFmpegError) as error:
            raise write_error(path, error) from None
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self._size
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": "veryfast"}
        self._stream.codec_context.time_base = 1 / rate
        self._frames = 0
        self._broken = False

    def write(self, result: FrameResult) -> None:
        self._encode(self._overlay.draw(result))

    def _encode(self, image: Image) -> None:
        width, height = self._size
        frame = av.VideoFrame.from_ndarray(image[:height, :width], format="bgr24")
        frame.pts = self._frames
        self._frames += 1
        try:
            self._container.mux(self._stream.encode(frame))
        except (OSError, av.error.FFmpegError) as error:
            self._broken = True
            raise write_error(self.path, error) from None

    def close(self) -> None:
        try:
            # After a failed write, flushing the encoder into the muxer crashes FFmpeg (PyAV 18,
            # seen with a full disk): close without the flush, the file is lost either way.
            if not self._broken:
                self._container.mux(self._stream.encode(None))
        except (OSError, av.error.FFmpegError) as error:
            raise write_error(self.path, error) from None
        finally:
            self._container.close()

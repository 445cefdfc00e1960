"""H.264 encoding of BGR images into RTP-ready packets (Annex B, baseline, no B-frames).

Blocking: call it from a worker thread, never on the event loop.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
import av.video.frame

from stream.frames import BgrImage

RTP_CLOCK = 90_000
"""RTP clock rate of video: timestamps count 1/90000 s."""
TIME_BASE = Fraction(1, RTP_CLOCK)


class H264Encoder:
    """One libx264 encoder; rebuilt when the image size changes (a camera reconnected with another
    resolution). Odd sizes are cropped to even ones (4:2:0 needs them)."""

    def __init__(self, bit_rate: int = 1_500_000, gop_frames: int = 50) -> None:
        self._bit_rate = bit_rate
        self._gop_frames = gop_frames
        self._codec: av.VideoCodecContext | None = None
        self.frames = 0

    def encode(self, image: BgrImage, pts: int, keyframe: bool = False) -> list[av.Packet[Any]]:
        """Encode one image shown at ``pts`` (in 1/90000 s); the packets carry that pts."""
        height, width = image.shape[0] & ~1, image.shape[1] & ~1
        image = image[:height, :width]
        codec = self._codec
        if codec is None or (codec.width, codec.height) != (width, height):
            codec = self._codec = self._open(width, height)
            keyframe = True
        frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
        frame.pts = pts
        frame.time_base = TIME_BASE
        frame.pict_type = (
            av.video.frame.PictureType.I if keyframe else av.video.frame.PictureType.NONE
        )
        packets = codec.encode(frame)
        for packet in packets:
            packet.time_base = TIME_BASE
        self.frames += 1
        return packets

    def _open(self, width: int, height: int) -> av.VideoCodecContext:
        codec = av.CodecContext.create("libx264", "w")
        assert isinstance(codec, av.VideoCodecContext)
        codec.width, codec.height = width, height
        codec.pix_fmt = "yuv420p"
        codec.time_base = TIME_BASE
        codec.framerate = Fraction(30, 1)
        codec.bit_rate = self._bit_rate
        codec.gop_size = self._gop_frames
        codec.options = {"preset": "ultrafast", "tune": "zerolatency", "level": "31"}
        codec.profile = "Baseline"
        return codec

    def close(self) -> None:
        self._codec = None

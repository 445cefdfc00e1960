"""Packets from real encoded clips, for the packet ring and the clip writer's tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from stream.packet_ring import EncodedPacket, StreamTemplate
from tests.media import square_position, write_moving_square_clip

FPS = 10
GOP = 5


def write_annex_b_clip(path: Path, *, frames: int) -> None:
    """An H.264 MPEG-TS file: Annex B packets, as an RTSP camera sends them."""
    with av.open(str(path), mode="w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(GOP)}
        for index in range(frames):
            image = np.zeros((240, 320, 3), dtype=np.uint8)
            x, y = square_position(index)
            image[y : y + 40, x : x + 40] = 255
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))


def demuxed(path: Path) -> tuple[StreamTemplate, list[EncodedPacket]]:
    """The file's video packets, each timed at its presentation time (as if read live)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        template = StreamTemplate.of(stream)
        packets = [
            EncodedPacket(
                data=bytes(packet),
                pts=packet.pts,
                dts=packet.dts,
                keyframe=packet.is_keyframe,
                at=float(packet.pts * packet.time_base),
            )
            for packet in container.demux(stream)
            if packet.size and packet.pts is not None
        ]
    start = packets[0].at
    return template, [_shift(p, -start) for p in packets]


def mp4_packets(tmp_path: Path, frames: int) -> tuple[StreamTemplate, list[EncodedPacket]]:
    path = tmp_path / "source.mp4"
    write_moving_square_clip(path, frames=frames, fps=FPS)
    return demuxed(path)


def _shift(packet: EncodedPacket, by: float) -> EncodedPacket:
    return EncodedPacket(packet.data, packet.pts, packet.dts, packet.keyframe, packet.at + by)

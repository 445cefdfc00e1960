"""Remux a slice of a camera's packet ring into an MP4, without re-encoding.

The packets are written as they came; only their framing changes: H.264 from an MP4 source is
length-prefixed (``avcC``), from RTSP it is Annex B, and the clip is written in Annex B with the
stream's SPS/PPS in front of its first keyframe, from which FFmpeg's MP4 muxer builds the
``avcC`` box itself. ``movflags=+faststart`` puts the index first so browsers play the file
while it downloads. Codecs other than H.264 raise :class:`ClipUnsupportedError` (such cameras
need the encoding fallback).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from stream.packet_ring import EncodedPacket, RingSlice, StreamTemplate

START_CODE = b"\x00\x00\x00\x01"
REMUXABLE_CODECS = frozenset({"h264"})


class ClipError(Exception):
    """A clip could not be written."""


class ClipUnsupportedError(ClipError):
    """The stream's codec cannot be remuxed into MP4 here."""


@dataclass(frozen=True, slots=True)
class ClipInfo:
    path: Path
    packets: int
    bytes: int
    start: float
    """Wall-clock time of the clip's first packet (a keyframe)."""
    end: float
    """Wall-clock time of its last packet."""


def write_clip(path: Path, clip: RingSlice) -> ClipInfo:
    """Write ``clip`` to ``path`` (atomically: a temporary file renamed at the end)."""
    template = clip.template
    if template.codec not in REMUXABLE_CODECS:
        raise ClipUnsupportedError(f"cannot remux {template.codec} video into MP4")
    framing = H264Framing(template.extradata)
    partial = path.with_name(path.name + ".part")
    try:
        _mux(partial, template, clip.packets, framing)
        partial.replace(path)
    except (av.error.FFmpegError, ValueError) as error:
        raise ClipError(f"cannot write the clip {path.name}: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return ClipInfo(
        path=path,
        packets=len(clip.packets),
        bytes=path.stat().st_size,
        start=clip.packets[0].at,
        end=clip.packets[-1].at,
    )


def _mux(
    path: Path,
    template: StreamTemplate,
    packets: tuple[EncodedPacket, ...],
    framing: H264Framing,
) -> None:
    origin = _origin(packets)
    with av.open(
        str(path), mode="w", format="mp4", options={"movflags": "+faststart"}
    ) as container:
        rate = Fraction(template.fps).limit_denominator(1001) if template.fps else None
        stream = container.add_mux_stream(
            template.codec, rate=rate, width=template.width, height=template.height
        )
        stream.time_base = template.time_base
        for index, encoded in enumerate(packets):
            data = framing.annex_b(encoded.data, with_header=index == 0)
            packet = av.Packet(data)
            packet.stream = stream
            packet.time_base = template.time_base
            packet.pts = None if encoded.pts is None else encoded.pts - origin
            packet.dts = None if encoded.dts is None else encoded.dts - origin
            packet.is_keyframe = encoded.keyframe
            container.mux(packet)


def _origin(packets: tuple[EncodedPacket, ...]) -> int:
    """The clip starts at time 0: the smallest timestamp of its packets."""
    stamps = [s for p in packets for s in (p.pts, p.dts) if s is not None]
    return min(stamps) if stamps else 0


class H264Framing:
    """Turns H.264 packets into Annex B, whichever framing the source used."""

    def __init__(self, extradata: bytes | None) -> None:
        self.length_size = 0
        """Bytes of each NAL unit's length prefix; 0 when packets are Annex B already."""
        self.header = b""
        if extradata and extradata[0] == 1:  # avcC
            self.length_size = (extradata[4] & 0x03) + 1
            self.header = _avcc_parameter_sets(extradata)
        elif extradata:
            self.header = extradata

    def annex_b(self, data: bytes, *, with_header: bool) -> bytes:
        body = data if self.length_size == 0 else self._from_lengths(data)
        return self.header + body if with_header else body

    def _from_lengths(self, data: bytes) -> bytes:
        out = bytearray()
        offset, size = 0, self.length_size
        while offset + size <= len(data):
            length = int.from_bytes(data[offset : offset + size], "big")
            offset += size
            out += START_CODE + data[offset : offset + length]
            offset += length
        return bytes(out)


def _avcc_parameter_sets(record: bytes) -> bytes:
    """The SPS and PPS units of an ``avcC`` record, each after a start code."""
    out = bytearray()
    offset = 5
    for count_mask in (0x1F, 0xFF):  # SPS count (low 5 bits), then PPS count
        if offset >= len(record):
            break
        count = record[offset] & count_mask
        offset += 1
        for _ in range(count):
            length = int.from_bytes(record[offset : offset + 2], "big")
            offset += 2
            out += START_CODE + record[offset : offset + length]
            offset += length
    return bytes(out)

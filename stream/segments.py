"""Recording segments on disk: MP4 files of a camera's own encoded video, each from a keyframe.

A segment being written is ``<start ms>.mp4.part``; once closed it is renamed
``<start ms>-<end ms>.mp4`` (wall-clock milliseconds of its first and last packet), so listing a
camera's recordings reads names, not files. :class:`SegmentFile` writes one, packet by packet,
without re-encoding (the framing as in :mod:`stream.clip_writer`); :func:`read_segment` gives
its packets back, stamped with wall-clock times rebuilt from their timestamps.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from stream.clip_writer import REMUXABLE_CODECS, ClipUnsupportedError, H264Framing
from stream.packet_ring import EncodedPacket, StreamTemplate

PART_SUFFIX = ".mp4.part"
_NAME = re.compile(r"^(\d{1,16})-(\d{1,16})\.mp4$")


@dataclass(frozen=True, slots=True)
class Segment:
    path: Path
    start: float
    """Wall-clock time of its first packet (a keyframe)."""
    end: float
    """Wall-clock time of its last packet."""
    bytes: int


@dataclass(frozen=True, slots=True)
class PacketRun:
    """Packets that follow each other in one stream (one segment, or the ring)."""

    template: StreamTemplate
    packets: tuple[EncodedPacket, ...]


def list_segments(folder: Path) -> list[Segment]:
    """The finished segments under ``folder``, oldest first (none if it does not exist)."""
    segments = []
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return []
    for path in entries:
        match = _NAME.match(path.name)
        if match is None:
            continue
        try:
            size = path.stat().st_size
        except FileNotFoundError:  # deleted by retention meanwhile
            continue
        start, end = (int(group) / 1000 for group in match.groups())
        segments.append(Segment(path, start, end, size))
    return sorted(segments, key=lambda segment: segment.start)


def remove_partial(folder: Path) -> int:
    """Delete segments left half-written (a crash, a full disk); how many there were."""
    removed = 0
    for path in folder.glob("*" + PART_SUFFIX):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


class SegmentFile:
    """One segment being written; :meth:`close` finishes it, :meth:`abort` deletes it.

    Errors of the disk come out as OSError (``No space left on device``...), of the muxer as
    :class:`av.error.FFmpegError`."""

    def __init__(self, folder: Path, template: StreamTemplate, first: EncodedPacket) -> None:
        if template.codec not in REMUXABLE_CODECS:
            raise ClipUnsupportedError(f"cannot remux {template.codec} video into MP4")
        self.folder = folder
        self.template = template
        self.start = first.at
        self.end = first.at
        self.packets = 0
        self.path = folder / f"{_ms(first.at)}{PART_SUFFIX}"
        self._framing = H264Framing(template.extradata)
        stamps = [s for s in (first.pts, first.dts) if s is not None]
        self._origin = min(stamps) if stamps else 0
        self._container = av.open(str(self.path), mode="w", format="mp4")
        rate = Fraction(template.fps).limit_denominator(1001) if template.fps else None
        self._stream = self._container.add_mux_stream(
            template.codec, rate=rate, width=template.width, height=template.height
        )
        self._stream.time_base = template.time_base

    def write(self, encoded: EncodedPacket) -> None:
        packet = av.Packet(self._framing.annex_b(encoded.data, with_header=self.packets == 0))
        packet.stream = self._stream
        packet.time_base = self.template.time_base
        packet.pts = None if encoded.pts is None else encoded.pts - self._origin
        packet.dts = None if encoded.dts is None else encoded.dts - self._origin
        packet.is_keyframe = encoded.keyframe
        self._container.mux(packet)
        self.packets += 1
        self.end = encoded.at

    def close(self) -> Segment:
        """Finish the file and give it its final name."""
        self._container.close()
        final = self.folder / f"{_ms(self.start)}-{_ms(self.end)}.mp4"
        self.path.replace(final)
        return Segment(final, self.start, self.end, final.stat().st_size)

    def abort(self) -> None:
        """Give up on this segment (after an error): close what can be closed, delete it."""
        with contextlib.suppress(OSError, av.error.FFmpegError, ValueError):
            self._container.close()  # it failed already; the file goes anyway
        self.path.unlink(missing_ok=True)


def read_segment(segment: Segment) -> PacketRun:
    """The segment's packets, each stamped with the wall-clock time it was read (rebuilt from
    the segment's start and the packet's decoding time)."""
    with av.open(str(segment.path)) as container:
        stream = container.streams.video[0]
        template = StreamTemplate.of(stream)
        base = template.time_base
        packets: list[EncodedPacket] = []
        first: int | None = None
        for packet in container.demux(stream):
            if not packet.size:
                continue
            stamp = packet.dts if packet.dts is not None else packet.pts
            if first is None:
                first = stamp or 0
            offset = float((stamp - first) * base) if stamp is not None else 0.0
            packets.append(
                EncodedPacket(
                    data=bytes(packet),
                    pts=packet.pts,
                    dts=packet.dts,
                    keyframe=packet.is_keyframe,
                    at=segment.start + offset,
                )
            )
    return PacketRun(template, tuple(packets))

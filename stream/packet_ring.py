"""A camera's own encoded video, the last few seconds of it, kept for event clips.

The decoding thread pushes every demuxed video packet (bytes and timing, no decoding) into a
:class:`PacketRing`. The ring keeps whole groups of pictures (GOPs): it starts at a keyframe, and
when it grows past its seconds or bytes cap it drops its oldest GOP, so whatever it holds can be
remuxed into a clip without re-encoding. Packets that arrive before the first keyframe of a
connection cannot be decoded alone and are dropped (and counted). A new connection may bring new
codec parameters and restarts the timestamps, so :meth:`PacketRing.restart` empties the ring.

A ring has one writer at a time: the camera's decoding thread while its stream can be remuxed,
otherwise the clip encoder (``stream.clip_encoder``), which takes the ring with
:meth:`PacketRing.claim` and pushes with its template, so that a writer the other one displaced
can no longer add packets.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

import av.video


@dataclass(frozen=True, slots=True)
class StreamTemplate:
    """What a muxer needs to know about the encoded stream besides its packets."""

    codec: str
    """FFmpeg's codec name, e.g. ``h264``."""
    width: int
    height: int
    time_base: Fraction
    """The packets' time base."""
    extradata: bytes | None = None
    """Codec setup (H.264: an ``avcC`` record from MP4, or Annex B SPS/PPS from RTSP)."""
    fps: float | None = None

    @classmethod
    def of(cls, stream: av.video.stream.VideoStream) -> StreamTemplate:
        """The muxing parameters of a demuxed video stream."""
        context = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate
        return cls(
            codec=context.name,
            width=context.width,
            height=context.height,
            time_base=stream.time_base or Fraction(1, 90_000),
            extradata=context.extradata,
            fps=float(rate) if rate else None,
        )


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """One demuxed video packet: its bytes as they came, and when."""

    data: bytes
    pts: int | None
    dts: int | None
    keyframe: bool
    at: float
    """Wall-clock time (``time.time()``) the packet was read; clip spans are in this time."""

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class RingLimits:
    max_seconds: float
    max_bytes: int


@dataclass(frozen=True, slots=True)
class RingStats:
    """The ring's size for ``/metrics``, and what it dropped."""

    packets: int
    bytes: int
    seconds: float
    gops: int
    evicted_packets: int
    """Old packets dropped to stay within the caps."""
    orphan_packets: int
    """Packets dropped because no keyframe came before them (start of a connection, or a GOP
    larger than the byte cap)."""


@dataclass(frozen=True, slots=True)
class RingSlice:
    """Packets for one clip, starting at a keyframe, with the stream they belong to."""

    template: StreamTemplate
    packets: tuple[EncodedPacket, ...]


@dataclass(slots=True)
class _Gop:
    packets: list[EncodedPacket] = field(default_factory=list)
    bytes: int = 0

    @property
    def start(self) -> float:
        return self.packets[0].at


class PacketSink(Protocol):
    """Something else that takes the ring's packet stream as it comes (continuous recording):
    told of each restart and given each packet, on the thread that writes the ring (the decoding
    thread, or the clip encoder for encoded clips), so it must not block."""

    def restart(self, template: StreamTemplate | None) -> None: ...

    def push(self, packet: EncodedPacket) -> None: ...


class PacketRing:
    """Thread-safe, bounded by seconds and bytes; one per camera."""

    def __init__(self, limits: RingLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._gops: deque[_Gop] = deque()
        self._template: StreamTemplate | None = None
        self._bytes = 0
        self._packets = 0
        self._evicted = 0
        self._orphans = 0
        self._sinks: tuple[PacketSink, ...] = ()

    def tap(self, sink: PacketSink) -> None:
        """Hand every packet pushed (and every restart) to ``sink`` too, after the ring took it."""
        with self._lock:  # under the lock: a restart that comes meanwhile reaches it after
            self._sinks = (*self._sinks, sink)
            sink.restart(self._template)

    def untap(self, sink: PacketSink) -> None:
        with self._lock:
            self._sinks = tuple(s for s in self._sinks if s is not sink)

    def restart(self, template: StreamTemplate | None) -> None:
        """A new connection (or none, ``None``): forget what was kept, since timestamps and codec
        parameters may not continue."""
        with self._lock:
            self._restart(template)
            sinks = self._sinks
        for sink in sinks:
            sink.restart(template)

    def claim(self, template: StreamTemplate, previous: StreamTemplate | None) -> bool:
        """Restart the ring for ``template`` unless another writer holds it: True if the ring
        had no stream or still had ``previous`` (the claimer's own last template)."""
        with self._lock:
            if self._template is not None and self._template is not previous:
                return False
            self._restart(template)
            sinks = self._sinks
        for sink in sinks:
            sink.restart(template)
        return True

    def _restart(self, template: StreamTemplate | None) -> None:
        """Caller holds the lock."""
        self._template = template
        self._evicted += self._packets
        self._gops.clear()
        self._bytes = self._packets = 0

    def push(self, packet: EncodedPacket, template: StreamTemplate | None = None) -> bool:
        """Keep ``packet``; O(1) apart from evictions, never blocks for long. With
        ``template``, only while it is the ring's stream: False once another writer restarted
        the ring (the packet is neither kept nor handed on)."""
        if not self._keep(packet, template):
            return False
        for sink in self._sinks:
            sink.push(packet)
        return True

    def _keep(self, packet: EncodedPacket, template: StreamTemplate | None) -> bool:
        with self._lock:
            if template is not None and self._template is not template:
                return False
            if packet.keyframe:
                self._gops.append(_Gop())
            elif not self._gops:
                self._orphans += 1
                return True
            gop = self._gops[-1]
            gop.packets.append(packet)
            gop.bytes += packet.size
            self._bytes += packet.size
            self._packets += 1
            self._evict(packet.at)
            return True

    def _evict(self, now: float) -> None:
        """Caller holds the lock. Drop the oldest GOPs while over a cap; the newest GOP alone
        over the byte cap is dropped too, and its remaining packets with it."""
        while self._gops and self._over(now):
            if len(self._gops) == 1 and self._bytes <= self.limits.max_bytes:
                return  # one GOP longer than max_seconds: keep it, it is all there is
            gop = self._gops.popleft()
            self._bytes -= gop.bytes
            self._packets -= len(gop.packets)
            self._evicted += len(gop.packets)

    def _over(self, now: float) -> bool:
        return (
            self._bytes > self.limits.max_bytes
            or now - self._gops[0].start > self.limits.max_seconds
        )

    def stats(self) -> RingStats:
        with self._lock:
            seconds = self._gops[-1].packets[-1].at - self._gops[0].start if self._gops else 0.0
            return RingStats(
                packets=self._packets,
                bytes=self._bytes,
                seconds=seconds,
                gops=len(self._gops),
                evicted_packets=self._evicted,
                orphan_packets=self._orphans,
            )

    @property
    def oldest(self) -> float | None:
        """Time of the oldest packet kept, or None when empty."""
        with self._lock:
            return self._gops[0].start if self._gops else None

    def slice(self, since: float, until: float) -> RingSlice | None:
        """Packets from the last keyframe at or before ``since`` (the oldest kept when ``since``
        is older) through the last packet at or before ``until``; None when nothing matches."""
        with self._lock:
            if self._template is None or not self._gops:
                return None
            start = 0
            for index, gop in enumerate(self._gops):
                if gop.start <= since:
                    start = index
                else:
                    break
            packets = [
                packet
                for gop in list(self._gops)[start:]
                for packet in gop.packets
                if packet.at <= until
            ]
            template = self._template
        if not packets:
            return None
        return RingSlice(template, tuple(packets))

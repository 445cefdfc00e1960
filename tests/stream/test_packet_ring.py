"""The packet ring: whole GOPs, bounded by seconds and bytes, slices that start at a keyframe."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from stream.packet_ring import PacketRing, RingLimits
from tests.stream.clip_media import GOP, mp4_packets


def _ring(tmp_path: Path, frames: int, limits: RingLimits) -> PacketRing:
    template, packets = mp4_packets(tmp_path, frames)
    ring = PacketRing(limits)
    ring.restart(template)
    for packet in packets:
        ring.push(packet)
    return ring


def test_keeps_everything_within_the_caps(tmp_path: Path) -> None:
    ring = _ring(tmp_path, 30, RingLimits(max_seconds=60, max_bytes=10**8))
    stats = ring.stats()
    assert (stats.packets, stats.gops, stats.evicted_packets) == (30, 30 // GOP, 0)
    assert abs(stats.seconds - 2.9) < 1e-6
    assert stats.bytes > 0


def test_the_seconds_cap_evicts_whole_gops_from_the_front(tmp_path: Path) -> None:
    ring = _ring(tmp_path, 60, RingLimits(max_seconds=2.0, max_bytes=10**8))
    stats = ring.stats()
    assert stats.seconds <= 2.0
    assert stats.packets % GOP == 0  # whole GOPs only
    assert stats.evicted_packets == 60 - stats.packets
    clip = ring.slice(0, 100)
    assert clip is not None and clip.packets[0].keyframe


def test_the_bytes_cap_holds(tmp_path: Path) -> None:
    template, packets = mp4_packets(tmp_path, 60)
    cap = sum(p.size for p in packets) // 3
    ring = PacketRing(RingLimits(max_seconds=600, max_bytes=cap))
    ring.restart(template)
    for packet in packets:
        ring.push(packet)
        assert ring.stats().bytes <= cap
    clip = ring.slice(0, 100)
    assert clip is not None and clip.packets[0].keyframe


def test_a_gop_larger_than_the_byte_cap_is_dropped_until_the_next_keyframe(
    tmp_path: Path,
) -> None:
    template, packets = mp4_packets(tmp_path, 12)
    ring = PacketRing(RingLimits(max_seconds=600, max_bytes=packets[0].size - 1))
    ring.restart(template)
    for packet in packets[:GOP]:
        ring.push(packet)
    stats = ring.stats()
    assert (stats.packets, stats.bytes) == (0, 0)
    assert stats.orphan_packets == GOP - 1


def test_packets_before_the_first_keyframe_are_dropped(tmp_path: Path) -> None:
    template, packets = mp4_packets(tmp_path, 12)
    ring = PacketRing(RingLimits(max_seconds=600, max_bytes=10**8))
    ring.restart(template)
    for packet in packets[1:]:
        ring.push(packet)
    assert ring.stats().orphan_packets == GOP - 1
    assert ring.oldest == packets[GOP].at


def test_a_slice_starts_at_the_last_keyframe_at_or_before_since(tmp_path: Path) -> None:
    ring = _ring(tmp_path, 30, RingLimits(max_seconds=60, max_bytes=10**8))
    clip = ring.slice(1.2, 2.5)
    assert clip is not None
    assert clip.packets[0].keyframe and clip.packets[0].at == 1.0
    assert clip.packets[-1].at <= 2.5
    assert len(clip.packets) == 16
    later = ring.slice(5.0, 6.0)
    assert later is not None and later.packets[0].at == 2.5  # the newest GOP


def test_restart_empties_the_ring_and_counts_what_it_dropped(tmp_path: Path) -> None:
    ring = _ring(tmp_path, 10, RingLimits(max_seconds=60, max_bytes=10**8))
    ring.restart(None)
    assert ring.stats().packets == 0
    assert ring.stats().evicted_packets == 10
    assert ring.slice(0, 100) is None


def test_pushes_from_one_thread_and_reads_from_another(tmp_path: Path) -> None:
    template, packets = mp4_packets(tmp_path, 40)
    ring = PacketRing(RingLimits(max_seconds=1.0, max_bytes=10**8))
    ring.restart(template)
    done = threading.Event()
    seen: list[int] = []

    def read() -> None:
        while not done.is_set():
            clip = ring.slice(0, 100)
            if clip is not None:
                assert clip.packets[0].keyframe
                seen.append(len(clip.packets))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(20):
            ring.restart(template)
            for packet in packets:
                ring.push(packet)
    finally:
        done.set()
        reader.join()
    assert ring.stats().seconds <= 1.0


def test_one_writer_at_a_time_claim_and_push_with_a_template(tmp_path: Path) -> None:
    """The clip encoder claims an empty ring (or its own); the camera's restart displaces it,
    after which its pushes are refused and its claims fail until the camera gives it up."""
    template, packets = mp4_packets(tmp_path, 10)
    encoder = replace(template, codec="h264", width=640)
    ring = PacketRing(RingLimits(max_seconds=60, max_bytes=10**8))
    assert ring.claim(encoder, None)
    assert all(ring.push(p, encoder) for p in packets[:5])
    assert ring.claim(encoder, encoder)  # its own ring: restarted (a new frame size)
    assert ring.stats().packets == 0
    ring.restart(template)  # the camera's connection can be remuxed
    assert not ring.push(packets[0], encoder)
    assert not ring.claim(encoder, encoder)
    assert ring.push(packets[0], template) and ring.push(packets[1])
    assert ring.stats().packets == 2
    ring.restart(None)  # its next connection cannot be remuxed
    assert ring.claim(encoder, encoder)

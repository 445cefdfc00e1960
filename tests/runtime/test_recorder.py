"""Continuous recording from real H.264 packets: segments cut at keyframes that decode whole,
retention by bytes and by age, drops counted when the disk does not keep up, and a stretch
stitched from segments and the ring."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import pytest

from runtime.camera_clips import CameraClips, ClipUnavailableError
from runtime.recorder import Recorder, RecordingSettings, RecordingState
from stream.packet_ring import EncodedPacket, PacketRing, RingLimits, StreamTemplate
from stream.segments import list_segments
from tests.stream.clip_media import FPS, GOP, demuxed, mp4_packets, write_annex_b_clip
from tests.waiting import wait_until

T0 = 1_700_000_000.0
LONG = RecordingSettings(segment_s=2.0, retain_s=10 * 86400, max_bytes=1 << 30)


def _frames(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.decode(stream))


def _at(packets: list[EncodedPacket], start: float) -> list[EncodedPacket]:
    return [replace(p, at=start + p.at) for p in packets]


def _record(
    folder: Path,
    template: StreamTemplate,
    packets: list[EncodedPacket],
    settings: RecordingSettings = LONG,
    ring: PacketRing | None = None,
) -> Recorder:
    """Feed ``packets`` through a ring tapped by a recorder, as a live camera does."""
    ring = ring or PacketRing(RingLimits(max_seconds=60, max_bytes=1 << 26))
    recorder = Recorder("cam", folder, settings, clock=lambda: packets[-1].at + 1)
    recorder.start()
    ring.restart(template)
    ring.tap(recorder)
    for packet in packets:
        ring.push(packet)
    ring.untap(recorder)
    wait_until(lambda: recorder.queued == 0, timeout_s=60)
    assert recorder.stop(30)  # the segment being written is closed
    return recorder


@pytest.mark.parametrize("framing", ["mp4", "annex_b"])
def test_segments_are_cut_at_keyframes_and_play_whole(tmp_path: Path, framing: str) -> None:
    if framing == "mp4":
        template, packets = mp4_packets(tmp_path, frames=100)
    else:
        write_annex_b_clip(tmp_path / "cam.ts", frames=100)
        template, packets = demuxed(tmp_path / "cam.ts")
    packets = _at(packets, T0)
    recorder = _record(tmp_path / "rec", template, packets)

    segments = list_segments(tmp_path / "rec")
    assert [round(s.start - T0, 1) for s in segments] == [0.0, 2.0, 4.0, 6.0, 8.0]
    per_segment = [_frames(s.path) for s in segments]
    assert per_segment == [2 * FPS] * 5  # 2 s of 10 fps each, nothing lost at the cuts
    assert all(round(s.end - s.start, 1) == 1.9 for s in segments)
    stats = recorder.stats()
    assert stats.state is RecordingState.RECORDING and stats.message is None
    assert stats.segments == 5 and stats.bytes == sum(s.bytes for s in segments)
    assert stats.write_errors == 0 and stats.dropped_packets == 0
    assert not list((tmp_path / "rec").glob("*.part"))


def test_retention_deletes_the_oldest_segments_first(tmp_path: Path) -> None:
    template, packets = mp4_packets(tmp_path, frames=100)
    packets = _at(packets, T0)
    _record(tmp_path / "all", template, packets)
    sizes = [s.bytes for s in list_segments(tmp_path / "all")]

    by_bytes = replace(LONG, max_bytes=sum(sizes[-2:]))
    recorder = _record(tmp_path / "bytes", template, packets, by_bytes)
    kept = list_segments(tmp_path / "bytes")
    assert [round(s.start - T0, 1) for s in kept] == [6.0, 8.0]
    assert recorder.stats().deleted_segments == 3

    # by age: the clock stands at 10.9 s, segments that ended before 5.4 s go
    by_age = replace(LONG, retain_s=5.5)
    _record(tmp_path / "age", template, packets, by_age)
    assert [round(s.start - T0, 1) for s in list_segments(tmp_path / "age")] == [4.0, 6.0, 8.0]


def test_a_full_queue_drops_and_counts_and_ends_the_segment_there(
    tmp_path: Path,
) -> None:
    template, packets = mp4_packets(tmp_path, frames=40)
    packets = _at(packets, T0)
    clock = lambda: T0 + 10  # noqa: E731
    recorder = Recorder("cam", tmp_path / "rec", LONG, queue_packets=12, clock=clock)
    recorder.restart(template)
    for packet in packets:  # not started: nothing takes from the queue
        recorder.push(packet)
    assert recorder.stats().dropped_packets == 40 - 12
    recorder.start()
    wait_until(lambda: recorder.stats().segments == 1, timeout_s=30)
    assert recorder.stop(30)
    (segment,) = list_segments(tmp_path / "rec")
    assert _frames(segment.path) == 12  # the segment ends where packets were dropped
    stats = recorder.stats()
    assert stats.dropped_packets == 28 and stats.write_errors == 0


def test_a_stretch_is_stitched_from_segments_and_the_ring(tmp_path: Path) -> None:
    write_annex_b_clip(tmp_path / "cam.ts", frames=100)
    template, packets = demuxed(tmp_path / "cam.ts")
    packets = _at(packets, T0)
    ring = PacketRing(RingLimits(max_seconds=3, max_bytes=1 << 26))
    _record(tmp_path / "recordings" / "cam", template, packets, ring=ring)
    assert ring.oldest is not None and ring.oldest > T0 + 6  # the ring holds the last 3 s only
    clips = CameraClips(tmp_path / "recordings", tmp_path / "cache")

    since, until = T0 + 3.0, T0 + 9.5  # starts in a segment, ends in the ring
    clip = clips.build("cam", ring, since, until)
    assert clip.start <= since and clip.end >= until - 1 / FPS
    frames = _frames(clip.path)
    start = T0 + (since - T0) // (GOP / FPS) * (GOP / FPS)  # the keyframe before since
    assert frames == round((until - start) * FPS) + 1
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        duration = float(stream.duration * stream.time_base)  # type: ignore[operator]
    assert abs(duration - (until - start) - 1 / FPS) < 0.15

    with pytest.raises(ClipUnavailableError, match=r"has video from 1700000000\.000"):
        clips.build("cam", ring, T0 - 5, T0 + 1)
    with pytest.raises(ClipUnavailableError):
        clips.build("cam", ring, T0 + 5, T0 + 30)
    with pytest.raises(ValueError, match="at most 3600"):
        clips.build("cam", ring, T0, T0 + 3601)

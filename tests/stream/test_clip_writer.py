"""Clips remuxed from the packet ring: real H.264 in, MP4 out, nothing re-encoded."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from stream.clip_writer import ClipUnsupportedError, write_clip
from stream.packet_ring import EncodedPacket, PacketRing, RingLimits, RingSlice, StreamTemplate
from tests.stream.clip_media import FPS, GOP, demuxed, mp4_packets, write_annex_b_clip


def _slice(
    template: StreamTemplate, packets: list[EncodedPacket], t0: float, t1: float
) -> RingSlice:
    ring = PacketRing(RingLimits(max_seconds=600, max_bytes=10**8))
    ring.restart(template)
    for packet in packets:
        ring.push(packet)
    clip = ring.slice(t0, t1)
    assert clip is not None
    return clip


def _frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def _images(path: Path) -> list[np.typing.NDArray[np.uint8]]:
    return [np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8) for frame in _frames(path)]


@pytest.mark.parametrize("source_kind", ["mp4", "annex-b"])
def test_the_clip_holds_the_span_from_the_keyframe_before_t0(
    tmp_path: Path, source_kind: str
) -> None:
    if source_kind == "mp4":
        template, packets = mp4_packets(tmp_path, 40)
        source = tmp_path / "source.mp4"
    else:
        source = tmp_path / "source.ts"
        write_annex_b_clip(source, frames=40)
        template, packets = demuxed(source)
    t0, t1 = 1.2, 2.6
    clip = _slice(template, packets, t0, t1)
    info = write_clip(tmp_path / "clip.mp4", clip)

    assert info.start <= t0 and info.start > t0 - GOP / FPS
    with av.open(str(info.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 240)
        frames = list(container.decode(stream))
    assert frames[0].time == 0.0
    span_frames = round((t1 - t0) * FPS) + 1
    assert span_frames <= len(frames) <= span_frames + GOP
    assert len(frames) == len(clip.packets)
    # Not re-encoded: every picture equals the source's own decoded picture, bit for bit.
    first = round(info.start * FPS)
    source_images = _images(source)[first : first + len(frames)]
    for ours, theirs in zip(_images(info.path), source_images, strict=True):
        assert np.array_equal(ours, theirs)


def test_the_packets_are_written_as_they_came(tmp_path: Path) -> None:
    template, packets = mp4_packets(tmp_path, 20)
    clip = _slice(template, packets, 0.5, 1.9)
    info = write_clip(tmp_path / "clip.mp4", clip)
    with av.open(str(info.path)) as container:
        written = [bytes(p) for p in container.demux(video=0) if p.size]
    # the first gets the SPS/PPS in front; every other packet is byte-identical
    assert written[1:] == [p.data for p in clip.packets[1:]]


def test_faststart_puts_the_index_before_the_media(tmp_path: Path) -> None:
    template, packets = mp4_packets(tmp_path, 20)
    info = write_clip(tmp_path / "clip.mp4", _slice(template, packets, 0, 2))
    head = info.path.read_bytes()
    assert head.index(b"moov") < head.index(b"mdat")


def test_a_codec_that_cannot_be_remuxed_is_refused(tmp_path: Path) -> None:
    template, packets = mp4_packets(tmp_path, 10)
    mjpeg = StreamTemplate("mjpeg", 320, 240, template.time_base)
    with pytest.raises(ClipUnsupportedError):
        write_clip(tmp_path / "clip.mp4", RingSlice(mjpeg, tuple(packets)))
    assert list(tmp_path.glob("clip.mp4*")) == []

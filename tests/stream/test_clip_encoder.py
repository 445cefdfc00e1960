"""The clip encoder: published frames in, H.264 packets in the packet ring out, written as a
playable clip by the same writer the remuxing path uses; never blocking the publisher."""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from stream.clip_encoder import ClipEncoder, EncoderSettings, encoded_size
from stream.clip_writer import write_clip
from stream.packet_ring import PacketRing, RingLimits, StreamTemplate
from tests.waiting import wait_until

FPS = 10


def frame(index: int, width: int = 1280, height: int = 720) -> np.ndarray:
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[200:400, 20 * index : 20 * index + 160] = 255
    return image


@pytest.fixture
def ring() -> PacketRing:
    return PacketRing(RingLimits(max_seconds=30, max_bytes=16 << 20))


@pytest.fixture
def encoder(ring: PacketRing) -> Iterator[ClipEncoder]:
    encoder = ClipEncoder("test", ring, EncoderSettings(max_size=640, queue_frames=100))
    encoder.start()
    yield encoder
    assert encoder.stop(10)


def test_offered_frames_become_a_playable_h264_clip(
    encoder: ClipEncoder, ring: PacketRing, tmp_path: Path
) -> None:
    start = time.time()
    for index in range(40):  # 4 s of 10 fps video, timed by the frames' own wall-clock times
        assert encoder.offer(frame(index), start + index / FPS)
    wait_until(lambda: encoder.stats().encoded == 40, timeout_s=60)
    stats = ring.stats()
    assert stats.packets == 40 and stats.orphan_packets == 0
    assert stats.gops == 4  # a keyframe every second
    assert stats.seconds == pytest.approx(3.9, abs=0.01)

    clip = ring.slice(start + 1.5, start + 3.0)
    assert clip is not None
    assert clip.template.width == 640 and clip.template.height == 360  # shrunk, aspect kept
    assert clip.packets[0].at == pytest.approx(start + 1.0, abs=0.01)  # the keyframe before
    info = write_clip(tmp_path / "clip.mp4", clip)
    with av.open(str(info.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        decoded = list(container.decode(stream))
    assert (decoded[0].width, decoded[0].height) == (640, 360)
    assert 19 <= len(decoded) <= 21
    times = [float(f.time or 0) for f in decoded]
    assert times[:3] == pytest.approx([0.0, 0.1, 0.2], abs=0.002)  # real time, from the frames
    image = decoded[5].to_ndarray(format="bgr24")  # frame 15: the block at x 300..380 of 1280
    assert image[150, 170].mean() > 200 and image[150, 100].mean() < 50


def test_a_full_queue_drops_and_counts_and_never_blocks(ring: PacketRing) -> None:
    encoder = ClipEncoder("idle", ring, EncoderSettings(queue_frames=2))  # not started: no taker
    started = time.monotonic()
    accepted = [encoder.offer(frame(i), time.time()) for i in range(5)]
    assert time.monotonic() - started < 1.0
    assert accepted == [True, True, False, False, False]
    assert encoder.stats().dropped == 3


def test_a_writer_that_restarts_the_ring_displaces_the_encoder(
    encoder: ClipEncoder, ring: PacketRing
) -> None:
    """When the camera's own packets take the ring over (a connection that can be remuxed),
    the encoder's packets no longer go in, and it cannot take the ring back."""
    now = time.time()
    encoder.offer(frame(0), now)
    wait_until(lambda: ring.stats().packets == 1, timeout_s=30)
    ring.restart(StreamTemplate("h264", 320, 240, Fraction(1, 90_000)))
    for index in range(1, 5):
        encoder.offer(frame(index), now + index / FPS)
    wait_until(lambda: encoder.stats().displaced == 4, timeout_s=30)
    assert encoder.stats().encoded == 1
    assert ring.stats().packets == 0
    # the camera's next connection cannot be remuxed: it empties the ring, the encoder takes it
    ring.restart(None)
    encoder.offer(frame(5), now + 0.5)
    wait_until(lambda: ring.stats().packets == 1, timeout_s=30)
    clip = ring.slice(now, now + 1)
    assert clip is not None and clip.packets[0].keyframe and clip.template.width == 640


def test_a_new_frame_size_restarts_the_ring_with_its_template(
    encoder: ClipEncoder, ring: PacketRing
) -> None:
    now = time.time()
    encoder.offer(frame(0), now)
    encoder.offer(frame(1, 320, 240), now + 0.1)
    wait_until(lambda: encoder.stats().encoded == 2, timeout_s=30)
    clip = ring.slice(now - 1, now + 1)
    assert clip is not None and len(clip.packets) == 1 and clip.packets[0].keyframe
    assert (clip.template.width, clip.template.height) == (320, 240)


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1920, 1080), (640, 360)), ((320, 240), (320, 240)), ((721, 1281), (360, 640))],
)
def test_encoded_size_shrinks_never_enlarges_and_stays_even(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert encoded_size(*size, 640) == expected

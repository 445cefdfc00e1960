"""DetectionGate on generated scenes: which frames reach the detector, and why."""

from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from config.motion import MotionConfig
from runtime.gate import DetectionGate, GateReason
from runtime.motion import Image
from tests.runtime.test_motion import CELL, noisy, scene, with_square

FPS = 10
NO_TRACKS = sv.Detections.empty()


def tracks(*boxes: tuple[float, float, float, float], first_id: int = 1) -> sv.Detections:
    """Tracked boxes with ids ``first_id``, ``first_id + 1``, ..."""
    return sv.Detections(
        xyxy=np.array(boxes, np.float32).reshape(-1, 4),
        tracker_id=np.arange(first_id, first_id + len(boxes)),
    )


class Still:
    """Noisy copies of one image at 10 fps: nothing moves."""

    def __init__(self, image: Image | None = None, seed: int = 0) -> None:
        self.image = scene() if image is None else image
        self.rng = np.random.default_rng(seed)

    def __call__(self) -> Image:
        return noisy(self.image, self.rng)


def test_still_frames_are_gated_except_the_first_and_the_keyframes() -> None:
    gate, frame = DetectionGate(), Still()

    decisions = [gate.decide(frame(), i / FPS, NO_TRACKS) for i in range(61)]

    detected = {i: d.reason for i, d in enumerate(decisions) if d.detect}
    assert detected == {
        0: GateReason.FIRST_FRAME,
        20: GateReason.KEYFRAME,
        40: GateReason.KEYFRAME,
        60: GateReason.KEYFRAME,
    }
    assert all(d.reason is GateReason.STILL for d in decisions if not d.detect)


def test_a_square_wakes_the_detector_on_the_frame_it_starts_moving() -> None:
    gate, rng, background = DetectionGate(), np.random.default_rng(1), scene()
    for i in range(5):
        gate.decide(noisy(with_square(background, 400, 300), rng), i / FPS, NO_TRACKS)

    decision = gate.decide(noisy(with_square(background, 400 + CELL, 300), rng), 0.5, NO_TRACKS)

    assert decision.detect and decision.reason is GateReason.MOTION
    assert decision.motion is not None and len(decision.motion.regions) == 1


def test_a_stationary_track_stops_keeping_the_detector_awake() -> None:
    config = MotionConfig(stationary_after_s=3.0, keyframe_interval_s=2.0)
    gate, frame = DetectionGate(config), Still()
    parked = tracks((600, 300, 700, 380))

    decisions = [gate.decide(frame(), i / FPS, parked) for i in range(80)]

    reasons = [d.reason for d in decisions]
    assert reasons[0] is GateReason.FIRST_FRAME
    assert reasons[1:30] == [GateReason.MOVING_TRACK] * 29
    assert [i for i, d in enumerate(decisions[30:], 30) if d.detect] == [49, 69]
    assert reasons[49] is GateReason.KEYFRAME


def test_a_box_that_jitters_within_tolerance_counts_as_stationary() -> None:
    config = MotionConfig(stationary_after_s=1.0, stationary_tolerance=0.1)
    gate, frame = DetectionGate(config), Still()
    for i in range(20):
        wobble = 4.0 if i % 2 else -4.0  # 4 % of a 100 px wide box
        box = (600 + wobble, 300, 700 + wobble, 380)
        decision = gate.decide(frame(), i / FPS, tracks(box))

    assert decision.reason is GateReason.STILL


def test_a_moving_track_keeps_the_detector_awake() -> None:
    gate, frame = DetectionGate(), Still()

    decisions = [
        gate.decide(frame(), i / FPS, tracks((100 + 20 * i, 300, 200 + 20 * i, 380)))
        for i in range(50)
    ]

    assert all(d.detect for d in decisions)
    assert {d.reason for d in decisions[1:]} == {GateReason.MOVING_TRACK}


def test_one_moving_track_among_stationary_ones_keeps_it_awake() -> None:
    config = MotionConfig(stationary_after_s=1.0)
    gate, frame = DetectionGate(config), Still()
    for i in range(30):
        walker = (100 + 20 * i, 300, 200 + 20 * i, 380)
        decision = gate.decide(frame(), i / FPS, tracks((600, 50, 700, 130), walker))

    assert decision.reason is GateReason.MOVING_TRACK


def test_a_track_that_disappears_is_forgotten() -> None:
    config = MotionConfig(stationary_after_s=1.0)
    gate, frame = DetectionGate(config), Still()
    parked = tracks((600, 300, 700, 380))
    for i in range(15):
        gate.decide(frame(), i / FPS, parked)
    assert gate.decide(frame(), 1.5, parked).reason is GateReason.STILL
    gate.decide(frame(), 1.6, NO_TRACKS)

    assert gate.decide(frame(), 1.7, parked).reason is GateReason.MOVING_TRACK


def test_motion_wakes_the_detector_even_over_a_stationary_track() -> None:
    config = MotionConfig(stationary_after_s=0.5)
    gate, rng, background = DetectionGate(config), np.random.default_rng(2), scene()
    parked = tracks((400, 300, 496, 396))
    for i in range(10):
        decision = gate.decide(noisy(with_square(background, 400, 300), rng), i / FPS, parked)
    assert decision.reason is GateReason.STILL

    moved = noisy(with_square(background, 400 + CELL, 300), rng)

    assert gate.decide(moved, 1.0, parked).reason is GateReason.MOTION


def test_time_going_backwards_makes_the_next_still_frame_a_keyframe() -> None:
    gate, frame = DetectionGate(), Still()
    for i in range(10):
        gate.decide(frame(), 50 + i / FPS, NO_TRACKS)

    looped = [gate.decide(frame(), i / FPS, NO_TRACKS) for i in range(25)]

    assert [i for i, d in enumerate(looped) if d.detect] == [0, 20]
    assert looped[0].reason is GateReason.KEYFRAME


def test_going_backwards_keeps_how_long_a_track_has_stood_still() -> None:
    config = MotionConfig(stationary_after_s=1.0)
    gate, frame, parked = DetectionGate(config), Still(), tracks((600, 300, 700, 380))
    for i in range(15):
        gate.decide(frame(), 50 + i / FPS, parked)

    assert gate.decide(frame(), 0.0, parked).reason is GateReason.KEYFRAME
    assert gate.decide(frame(), 0.1, parked).reason is GateReason.STILL


def test_a_new_frame_size_is_detected() -> None:
    gate, rng = DetectionGate(), np.random.default_rng(3)
    for i in range(3):
        gate.decide(noisy(scene(), rng), i / FPS, NO_TRACKS)

    decision = gate.decide(noisy(scene(width=640, height=360), rng), 0.3, NO_TRACKS)

    assert decision.detect and decision.reason is GateReason.MOTION
    assert decision.motion is not None and decision.motion.reseeded
    assert gate.decide(noisy(scene(width=640, height=360), rng), 0.4, NO_TRACKS).reason is (
        GateReason.STILL
    )


def test_reset_makes_the_next_frame_a_first_frame() -> None:
    gate, frame = DetectionGate(), Still()
    gate.decide(frame(), 0.0, NO_TRACKS)
    gate.reset()

    assert gate.decide(frame(), 0.1, NO_TRACKS).reason is GateReason.FIRST_FRAME


def test_a_disabled_gate_always_detects_without_measuring_motion() -> None:
    gate, frame = DetectionGate(MotionConfig(enabled=False)), Still()

    decisions = [gate.decide(frame(), i / FPS, NO_TRACKS) for i in range(10)]

    assert all(d.detect and d.reason is GateReason.DISABLED for d in decisions)
    assert all(d.motion is None for d in decisions)
    assert gate.duty_cycle == 1.0


def test_counters_and_duty_cycles_add_up() -> None:
    gate, frame = DetectionGate(recent_frames=10), Still()
    assert gate.duty_cycle == gate.recent_duty_cycle == 0.0

    for i in range(45):
        gate.decide(frame(), i / FPS, NO_TRACKS)

    assert gate.seen == 45
    assert gate.detected == 3  # first frame, keyframes at 2 s and 4 s
    assert gate.gated == 42 == gate.by_reason[GateReason.STILL]
    assert gate.by_reason == {
        GateReason.FIRST_FRAME: 1,
        GateReason.KEYFRAME: 2,
        GateReason.STILL: 42,
    }
    assert gate.duty_cycle == pytest.approx(3 / 45)
    assert gate.recent_duty_cycle == pytest.approx(1 / 10)  # frames 35-44: the keyframe at 40


def test_tracks_without_ids_are_rejected() -> None:
    untracked = sv.Detections(xyxy=np.array([[0, 0, 10, 10]], np.float32))

    with pytest.raises(ValueError, match="tracker_id"):
        DetectionGate().decide(Still()(), 0.0, untracked)

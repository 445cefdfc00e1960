"""trackcast's own tracker: what it adds to ByteTrack's association."""

from __future__ import annotations

import numpy as np
import supervision as sv

from tracking import TrackerOptions, create_tracker


def _person(x: float, y: float = 100.0, confidence: float = 0.9) -> sv.Detections:
    return sv.Detections(
        xyxy=np.array([[x, y, x + 40, y + 100]], dtype=np.float32),
        confidence=np.array([confidence], dtype=np.float32),
        class_id=np.array([0]),
    )


def _ids(tracked: sv.Detections) -> list[int]:
    assert tracked.tracker_id is not None
    return [int(i) for i in tracked.tracker_id]


def _ids_of_a_walker_who_speeds_up(frame_rate: float) -> list[int]:
    """8 px per processed frame, then 30: a person breaking into a run."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=frame_rate))
    x, ids = 100.0, []
    for speed in [8.0] * 10 + [30.0] * 10:
        x += speed
        tracked = tracker.update(_person(x))
        ids.append(int(tracked.tracker_id[0]) if len(tracked) else 0)
    return ids


def test_at_5_fps_a_change_of_pace_keeps_the_id() -> None:
    assert _ids_of_a_walker_who_speeds_up(frame_rate=5.0) == [1] * 20


def test_the_same_boxes_at_25_fps_would_be_a_real_jump() -> None:
    """The filter's noise follows the frame rate: at 25 fps the same jump breaks the track."""
    ids = _ids_of_a_walker_who_speeds_up(frame_rate=25.0)
    assert ids[:10] == [1] * 10
    assert ids[10:] != [1] * 10


def test_smoothed_boxes_are_closer_to_the_truth_than_the_detections() -> None:
    rng = np.random.default_rng(7)
    raw_error, smooth_error = [], []
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=25.0))
    for step in range(60):
        truth = 100.0 + 3.0 * step
        noisy = truth + rng.normal(0, 4.0)
        tracked = tracker.update(_person(noisy))
        if step >= 10:
            raw_error.append(abs(noisy - truth))
            smooth_error.append(abs(float(tracked.xyxy[0, 0]) - truth))
    assert np.mean(smooth_error) < 0.8 * np.mean(raw_error)


def test_a_new_track_is_reported_once_confirmed() -> None:
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=10.0))
    assert _ids(tracker.update(_person(100.0))) == [1]  # first frame: confirmed
    both = sv.Detections.merge([_person(100.0, y=400.0), _person(100.0)])
    assert _ids(tracker.update(both)) == [1]  # the new one is tentative
    tracked = tracker.update(both)
    assert sorted(_ids(tracked)) == [1, 2]


def test_low_confidence_detections_extend_a_track_but_never_start_one() -> None:
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=10.0))
    tracker.update(_person(100.0))
    assert _ids(tracker.update(_person(102.0, confidence=0.15))) == [1]
    for x in (104.0, 106.0):
        weak = sv.Detections.merge([_person(x, confidence=0.15), _person(400.0, confidence=0.15)])
        assert _ids(tracker.update(weak)) == [1]


def test_timestamps_set_the_filter_step_instead_of_the_nominal_rate() -> None:
    """A camera configured for 25 fps whose analysis runs at 5 fps behaves like a 5 fps one."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=25.0))
    x, ids = 100.0, []
    for k, speed in enumerate([8.0] * 10 + [30.0] * 10):
        x += speed
        ids.append(_ids(tracker.update(_person(x), timestamp=1000.0 + 0.2 * k)))
    assert ids == [[1]] * 20
    assert _ids_of_a_walker_who_speeds_up(frame_rate=25.0)[10:] != [1] * 10  # no timestamps


def test_the_lost_timeout_counts_real_time_between_timestamps() -> None:
    def returns_with_id(spacing_s: float | None) -> list[int]:
        tracker = create_tracker(
            TrackerOptions(name="trackcast", frame_rate=10.0, lost_timeout_s=1.0)
        )
        clock = 0.0
        for step in range(5):
            clock += 0.1
            tracker.update(_person(100.0 + step), timestamp=clock)
        for _ in range(2):  # two empty frames: 0.2 s at 10 fps, 1.2 s if 0.6 s apart
            clock += spacing_s or 0.1
            tracker.update(sv.Detections.empty(), timestamp=clock if spacing_s else None)
        clock += 0.1
        tracker.update(_person(105.0), timestamp=clock if spacing_s else None)
        clock += 0.1
        return _ids(tracker.update(_person(106.0), timestamp=clock if spacing_s else None))

    assert returns_with_id(None) == [1]
    assert returns_with_id(0.6) == [2]


def test_a_timestamp_that_goes_back_counts_as_one_nominal_interval() -> None:
    """A looping file or a reconnected stream restarts its clock; tracks carry on."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=10.0))
    for step, timestamp in enumerate([5.0, 5.1, 5.2, 0.0, 0.1, 0.2]):
        assert _ids(tracker.update(_person(100.0 + 2 * step), timestamp=timestamp)) == [1]


def test_a_stall_longer_than_the_lost_timeout_ends_the_track() -> None:
    """Five seconds without frames, 1 s timeout: the person standing there is a new track."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=10.0, lost_timeout_s=1.0))
    for k in range(5):
        assert _ids(tracker.update(_person(100.0), timestamp=0.1 * k)) == [1]
    assert _ids(tracker.update(_person(100.0), timestamp=5.4)) == []  # tentative again
    assert _ids(tracker.update(_person(100.0), timestamp=5.5)) == [2]

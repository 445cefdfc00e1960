"""Behaviour every tracker behind the ``Tracker`` port shares."""

from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from tests.tracking import ids
from tracking import TRACKER_NAMES, TrackerName, TrackerOptions, create_tracker

ULTRALYTICS_NAMES: tuple[TrackerName, ...] = ("bytetrack", "botsort")


def _walkers(step: int, *, count: int = 3, posture: str = "normal") -> sv.Detections:
    """``count`` people walking right, 150 px apart, 4 px per frame."""
    x = np.array([50 + 150 * i + 4 * step for i in range(count)], dtype=np.float32)
    xyxy = np.column_stack([x, np.full(count, 100.0), x + 40, np.full(count, 200.0)])
    return sv.Detections(
        xyxy=xyxy.astype(np.float32),
        confidence=np.full(count, 0.9, dtype=np.float32),
        class_id=np.zeros(count, dtype=int),
        data={"class_name": np.array(["person"] * count), "posture": np.array([posture] * count)},
    )


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_steady_walkers_keep_their_ids(name: TrackerName) -> None:
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10, gmc_method="none"))
    history = [tracker.update(_walkers(step)) for step in range(30)]
    assert sorted(ids(history[-1])) == [1, 2, 3]
    ids_by_x = [[ids(t)[i] for i in np.argsort(t.xyxy[:, 0])] for t in history[1:]]
    assert all(left_to_right == ids_by_x[0] for left_to_right in ids_by_x)


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_output_keeps_the_detections_data_columns(name: TrackerName) -> None:
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10, gmc_method="none"))
    for step in range(3):
        detections = _walkers(step, posture="fall")
        tracked = tracker.update(detections)
    assert len(tracked) == 3
    assert list(tracked.data["posture"]) == ["fall"] * 3
    assert list(tracked.data["class_name"]) == ["person"] * 3
    assert tracked.class_id is not None and list(tracked.class_id) == [0] * 3
    assert tracked.confidence is not None
    np.testing.assert_allclose(tracked.confidence, 0.9)
    assert tracked.xyxy.dtype == detections.xyxy.dtype


def test_trackcast_without_smoothing_reports_the_detectors_boxes() -> None:
    options = TrackerOptions(name="trackcast", frame_rate=10, smooth_boxes=False)
    tracker = create_tracker(options)
    for step in range(3):
        detections = _walkers(step)
        tracked = tracker.update(detections)
    order = np.argsort(tracked.xyxy[:, 0])
    np.testing.assert_allclose(tracked.xyxy[order], detections.xyxy)


@pytest.mark.parametrize("name", ULTRALYTICS_NAMES)
def test_wrapped_trackers_report_their_filters_boxes(name: TrackerName) -> None:
    """As ultralytics' ``model.track``: a detection that jumps pulls its track's box part way."""
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10, gmc_method="none"))
    for step in range(10):
        tracker.update(_walkers(step))
    jumped = _walkers(10)
    lower = np.array([0, 10, 0, 10], dtype=np.float32)  # 10 px lower than the walk before
    jumped.xyxy = jumped.xyxy + lower
    tracked = tracker.update(jumped)
    order = np.argsort(tracked.xyxy[:, 0])
    drop = tracked.xyxy[order][:, [1, 3]] - _walkers(10).xyxy[:, [1, 3]]
    assert np.all((drop > 1.0) & (drop < 9.0)), drop
    np.testing.assert_allclose(tracked.xyxy[order][:, [0, 2]], jumped.xyxy[:, [0, 2]], atol=1.0)


@pytest.mark.parametrize("name", ULTRALYTICS_NAMES)
def test_wrapped_trackers_predict_nothing_moved_as_the_last_update(name: TrackerName) -> None:
    """Without elapsed time ``predict`` shows exactly the boxes ``update`` returned."""
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10, gmc_method="none"))
    for step in range(6):
        jitter = np.array([0, 3 * (step % 2), 0, 0], dtype=np.float32)  # a jittery top edge
        walkers = _walkers(step)
        walkers.xyxy = walkers.xyxy + jitter
        tracked = tracker.update(walkers, timestamp=0.1 * step)
    predicted = tracker.predict(0.5)
    assert ids(predicted) == ids(tracked)
    np.testing.assert_allclose(predicted.xyxy, tracked.xyxy, atol=1e-4)


@pytest.mark.parametrize("name", ULTRALYTICS_NAMES)
def test_wrapped_trackers_keep_boxes_inside_the_frame(name: TrackerName) -> None:
    """As ultralytics clips to the image it tracks on: a walker leaving a 100 px wide frame."""
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10, gmc_method="none"))
    image = np.zeros((240, 100, 3), dtype=np.uint8)
    for step in range(6):  # the box runs from x 50..90 to 70..110
        tracked = tracker.update(_walkers(step, count=1), image, timestamp=0.1 * step)
        assert tracked.xyxy.min() >= 0 and tracked.xyxy[:, 2].max() <= 100
    assert tracked.xyxy[0, 2] == 100
    predicted = tracker.predict(1.5)  # a second on, the filter would be some 40 px further right
    assert predicted.xyxy[0, 2] == 100 and predicted.xyxy[0, 0] > tracked.xyxy[0, 0]


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_instances_share_no_id_counter(name: TrackerName) -> None:
    """Two cameras in one process: each tracker numbers its own tracks from 1."""
    first = create_tracker(TrackerOptions(name=name, frame_rate=10))
    second = create_tracker(TrackerOptions(name=name, frame_rate=10))
    for step in range(5):
        a = first.update(_walkers(step, count=3))
        b = second.update(_walkers(step, count=2))
    assert sorted(ids(a)) == [1, 2, 3]
    assert sorted(ids(b)) == [1, 2]
    first.reset()  # one camera restarting must not disturb the other's numbering
    for step in range(5, 8):
        b = second.update(_walkers(step, count=3))
    assert sorted(ids(b)) == [1, 2, 3]
    assert sorted(ids(first.update(_walkers(0, count=1)))) == [1]


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_a_track_that_vanishes_past_the_timeout_gets_a_new_id(name: TrackerName) -> None:
    # coasting (trackcast only) is tested on its own in test_trackcast_tracker.py
    options = TrackerOptions(name=name, frame_rate=10, lost_timeout_s=0.5, coast_s=0.0)
    tracker = create_tracker(options)
    for step in range(5):
        tracker.update(_walkers(step, count=1))
    for _ in range(10):  # 1 s without detections: longer than the 0.5 s timeout
        assert len(tracker.update(sv.Detections.empty())) == 0
    for step in range(5, 8):
        back = tracker.update(_walkers(step, count=1))
    assert ids(back) == [2]


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_a_short_gap_keeps_the_id(name: TrackerName) -> None:
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10, lost_timeout_s=2.0))
    for step in range(5):
        tracker.update(_walkers(step, count=1))
    for _ in range(3):
        tracker.update(sv.Detections.empty())
    for step in range(8, 11):
        back = tracker.update(_walkers(step, count=1))
    assert ids(back) == [1]


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_low_confidence_detections_do_not_start_tracks(name: TrackerName) -> None:
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10))
    for step in range(5):
        weak = _walkers(step, count=2)
        weak.confidence = np.full(2, 0.15, dtype=np.float32)
        assert len(tracker.update(weak)) == 0


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_predict_moves_tracks_on_with_their_data(name: TrackerName) -> None:
    """4 px per update at 10 fps: half an interval later, every box is about 2 px further on."""
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10, gmc_method="none"))
    for step in range(10):
        tracked = tracker.update(_walkers(step, posture="fall"), timestamp=0.1 * step)
    predicted = tracker.predict(0.95)
    assert ids(predicted) == ids(tracked)
    assert list(predicted.data["posture"]) == ["fall"] * 3
    assert list(predicted.data["class_name"]) == ["person"] * 3
    np.testing.assert_allclose(predicted.xyxy[:, 0], tracked.xyxy[:, 0] + 2.0, atol=1.0)
    np.testing.assert_allclose(
        predicted.xyxy[:, 2:] - predicted.xyxy[:, :2], [[40, 100]] * 3, atol=1
    )


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_predict_leaves_the_next_update_as_it_was(name: TrackerName) -> None:
    options = TrackerOptions(name=name, frame_rate=10, gmc_method="none")
    asked, twin = create_tracker(options), create_tracker(options)
    for step in range(12):
        walkers = _walkers(step)[np.arange(3) != step % 4]  # one walker missed now and then
        assert isinstance(walkers, sv.Detections)
        got = asked.update(walkers, timestamp=0.1 * step)
        expected = twin.update(walkers, timestamp=0.1 * step)
        np.testing.assert_array_equal(got.xyxy, expected.xyxy)
        assert ids(got) == ids(expected)
        asked.predict(0.1 * step + 0.05)


def test_botsort_uses_the_frame_for_motion_compensation() -> None:
    tracker = create_tracker(TrackerOptions(name="botsort", frame_rate=10))
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (240, 720, 3), dtype=np.uint8)
    for step in range(5):
        tracked = tracker.update(_walkers(step), image)
    assert sorted(ids(tracked)) == [1, 2, 3]


def test_rejects_unknown_tracker_name() -> None:
    with pytest.raises(ValueError, match="unknown tracker"):
        TrackerOptions(name="kalman-magic")  # type: ignore[arg-type]

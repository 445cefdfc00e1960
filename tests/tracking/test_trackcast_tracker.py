"""trackcast's own tracker: what it adds to ByteTrack's association."""

from __future__ import annotations

import numpy as np
import pytest
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
        ids.append(_ids(tracked)[0] if len(tracked) else 0)
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


def _walker(x: float, posture: str = "standing") -> sv.Detections:
    person = _person(x)
    person.data = {"class_name": np.array(["person"]), "posture": np.array([posture])}
    return person


def test_predict_moves_the_box_on_between_detections() -> None:
    """A walker at 50 px/s seen every 0.2 s: half way to the next detection it has moved 5 px."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    for k in range(10):
        tracked = tracker.update(_person(100.0 + 10.0 * k), timestamp=0.2 * k)
    last = float(tracked.xyxy[0, 0])
    assert abs(last - 190.0) < 1.0
    for dt in (0.04, 0.1, 0.16, 0.2):
        (box,) = tracker.predict(1.8 + dt).xyxy
        assert abs(float(box[0]) - (190.0 + 50.0 * dt)) < 1.0, dt
        assert float(box[3] - box[1]) == pytest.approx(100.0, abs=1.0)


def test_predict_keeps_ids_classes_confidences_and_data() -> None:
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    for k in range(3):
        tracked = tracker.update(_walker(100.0 + 10.0 * k, posture="fall"), timestamp=0.2 * k)
    predicted = tracker.predict(0.5)
    assert _ids(predicted) == _ids(tracked) == [1]
    assert predicted.class_id is not None and list(predicted.class_id) == [0]
    assert predicted.confidence is not None
    assert list(predicted.confidence) == pytest.approx([0.9])
    assert list(predicted.data["class_name"]) == ["person"]
    assert list(predicted.data["posture"]) == ["fall"]
    assert predicted.xyxy.dtype == tracked.xyxy.dtype


def test_predict_without_elapsed_time_returns_the_last_boxes() -> None:
    """No timestamp, or one that is not later than the last update's: nothing moves."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    for k in range(5):
        tracked = tracker.update(_person(100.0 + 10.0 * k), timestamp=0.2 * k)
    for timestamp in (None, 0.8, 0.5):
        np.testing.assert_array_equal(tracker.predict(timestamp).xyxy, tracked.xyxy)
    untimed = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    for k in range(5):
        tracked = untimed.update(_person(100.0 + 10.0 * k))
    np.testing.assert_array_equal(untimed.predict(10.0).xyxy, tracked.xyxy)


def test_predicted_boxes_are_the_filters_even_without_smoothing() -> None:
    """With ``smooth_boxes`` off a skipped frame still gets the filter's box, not a raw one."""
    raw = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0, smooth_boxes=False))
    smooth = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    rng = np.random.default_rng(3)
    for k in range(8):
        detection = _person(100.0 + 10.0 * k + rng.normal(0, 3.0))
        raw_out = raw.update(detection, timestamp=0.2 * k)
        smooth.update(detection, timestamp=0.2 * k)
    np.testing.assert_array_equal(raw.predict(1.5).xyxy, smooth.predict(1.5).xyxy)
    assert not np.array_equal(raw.predict(1.4).xyxy, raw_out.xyxy)


def test_predict_changes_nothing_a_later_update_returns() -> None:
    """Two trackers fed the same crowd; one is asked for predictions in between, every time."""
    rng = np.random.default_rng(11)
    asked = create_tracker(TrackerOptions(name="trackcast", frame_rate=25.0 / 3))
    twin = create_tracker(TrackerOptions(name="trackcast", frame_rate=25.0 / 3))
    for k in range(40):
        t = 0.12 * k
        xs = [100.0 + 30.0 * k, 700.0 - 25.0 * k, 400.0 + 3.0 * k]
        people = [_walker(x + rng.normal(0, 2.0)) for x in xs if rng.random() > 0.15]
        frame = sv.Detections.merge(people) if people else sv.Detections.empty()
        got, expected = asked.update(frame, timestamp=t), twin.update(frame, timestamp=t)
        np.testing.assert_array_equal(got.xyxy, expected.xyxy)
        assert _ids(got) == _ids(expected)
        for dt in (0.04, 0.08, 0.3, None, -1.0):
            asked.predict(None if dt is None else t + dt)


def test_predict_after_reset_shows_nothing() -> None:
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    assert len(tracker.predict(0.0)) == 0
    tracker.update(_person(100.0), timestamp=0.0)
    assert len(tracker.predict(0.1)) == 1
    tracker.reset()
    assert len(tracker.predict(0.1)) == 0


def _runner(k: int, height: float = 100.0, step: float = 0.8) -> sv.Detections:
    """A person ``height`` px tall who moves ``step`` heights to the right per detection."""
    x = 50.0 + k * step * height
    return sv.Detections(
        xyxy=np.array([[x, 300.0, x + 0.4 * height, 300.0 + height]], dtype=np.float32),
        confidence=np.array([0.9], dtype=np.float32),
        class_id=np.array([0]),
    )


def _ids_of_a_runner(frame_rate: float, step: float = 0.8, frames: int = 10) -> list[list[int]]:
    """A standing person from the first frame (so the runner is not confirmed on frame 1),
    then a runner who moves ``step`` of their height between processed frames."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=frame_rate))
    tracker.update(_person(1000.0, y=100.0))
    ids = []
    for k in range(frames):
        tracked = tracker.update(
            sv.Detections.merge([_person(1000.0, y=100.0), _runner(k, step=step)])
        )
        runner = tracked.xyxy[:, 1] > 200  # the standing person is at y 100
        assert tracked.tracker_id is not None
        ids.append([int(i) for i in tracked.tracker_id[runner]])
    return ids


def test_at_5_fps_a_runner_moving_most_of_a_body_height_per_detection_is_tracked() -> None:
    """No overlap at all between consecutive boxes: confirmed on its second detection, by
    distance, and followed from there by its velocity."""
    assert _ids_of_a_runner(frame_rate=5.0) == [[]] + [[2]] * 9


def test_the_birth_gate_grows_with_the_detection_interval() -> None:
    """The same jumps 25 times a second would be 25 heights a second: not one person."""
    assert _ids_of_a_runner(frame_rate=25.0) == [[]] * 10


def test_a_fast_start_sets_the_velocity_from_the_first_two_detections() -> None:
    """Half a detection interval after confirmation the runner is predicted half a step on."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    tracker.update(_person(1000.0, y=100.0), timestamp=0.0)
    for k in range(2):
        both = sv.Detections.merge([_person(1000.0, y=100.0), _runner(k)])
        tracked = tracker.update(both, timestamp=0.2 * (k + 1))
    runner = int(np.flatnonzero(tracked.xyxy[:, 1] > 200)[0])
    (box,) = tracker.predict(0.5).xyxy[[runner]]
    assert float(box[0]) == pytest.approx(float(tracked.xyxy[runner, 0]) + 40.0, abs=5.0)


def _walker_then_gap(coast_s: float, seen: int, missed: int) -> list[sv.Detections]:
    """A walker at 10 px per frame seen on ``seen`` frames at 10 fps, then missed."""
    options = TrackerOptions(name="trackcast", frame_rate=10.0, coast_s=coast_s)
    tracker = create_tracker(options)
    for k in range(seen):
        tracker.update(_walker(100.0 + 10.0 * k, posture="fall"))
    return [tracker.update(sv.Detections.empty()) for _ in range(missed)]


def test_a_missed_track_coasts_at_its_predicted_box_for_coast_s() -> None:
    """0.3 s at 10 fps: reported on the next 3 frames, moving on, with its class and data."""
    gap = _walker_then_gap(coast_s=0.3, seen=6, missed=5)
    assert [_ids(tracks) for tracks in gap] == [[1], [1], [1], [], []]
    xs = [float(tracks.xyxy[0, 0]) for tracks in gap[:3]]
    assert xs == pytest.approx([160.0, 170.0, 180.0], abs=4.0)  # the filter's velocity
    for tracks in gap[:3]:
        assert list(tracks.data["posture"]) == ["fall"]
        assert tracks.class_id is not None and list(tracks.class_id) == [0]
        assert tracks.confidence is not None and list(tracks.confidence) == pytest.approx([0.9])


def test_coasting_needs_a_track_seen_a_few_times_and_can_be_turned_off() -> None:
    assert [_ids(t) for t in _walker_then_gap(coast_s=0.3, seen=2, missed=2)] == [[], []]
    assert [_ids(t) for t in _walker_then_gap(coast_s=0.0, seen=6, missed=2)] == [[], []]


def test_no_track_coasts_across_a_timestamp_that_goes_back() -> None:
    """A looped file: the walker seen before the loop is not drawn where it would have gone;
    the one seen after it coasts as usual."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=10.0))
    for k in range(6):
        tracker.update(_walker(100.0 + 10.0 * k), timestamp=k / 10)
    assert _ids(tracker.update(sv.Detections.empty(), timestamp=0.6)) == [1]  # coasting
    after_loop = [tracker.update(_walker(500.0 + 10.0 * k), timestamp=k / 10) for k in range(4)]
    assert [_ids(tracks) for tracks in after_loop] == [[], [2], [2], [2]]
    assert _ids(tracker.update(sv.Detections.empty(), timestamp=0.4)) == [2]


def test_a_coasting_track_next_to_seen_ones_keeps_every_column() -> None:
    """Rows from this frame's detections and a coasting row from an earlier one, merged."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=10.0))
    for k in range(5):
        both = sv.Detections.merge([_walker(100.0 + 5 * k), _walker(600.0 + 5 * k, "fall")])
        tracker.update(both)
    tracked = tracker.update(_walker(125.0))
    assert _ids(tracked) == [1, 2]
    assert list(tracked.data["posture"]) == ["standing", "fall"]
    assert tracker.predict().xyxy.shape == (2, 4)


def _ids_of_a_slow_newcomer(after_someone_was_lost: bool) -> list[list[int]]:
    """A detection 35 px from where a person was lost, then 25 px further on (a quarter of a
    body height at 5 fps): too little overlap for the IoU stages, close enough by distance."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    anchor = _person(1000.0, y=400.0)  # on the first frame, so later people start tentative
    tracker.update(anchor)
    if after_someone_was_lost:
        for _ in range(4):
            tracker.update(sv.Detections.merge([anchor, _person(100.0)]))
    ids = []
    for x in (135.0, 160.0):
        tracked = tracker.update(sv.Detections.merge([anchor, _person(x)]))
        assert tracked.tracker_id is not None
        newcomer = (tracked.xyxy[:, 0] > 130) & (tracked.xyxy[:, 1] < 300)
        ids.append([int(i) for i in tracked.tracker_id[newcomer]])
    return ids


def test_a_slow_birth_next_to_a_track_just_lost_gets_no_new_id_by_distance() -> None:
    """Most likely the lost person, jittered: left to the overlap stages, not a new identity.
    Away from any lost track the same two detections are a new track."""
    assert _ids_of_a_slow_newcomer(after_someone_was_lost=True) == [[], []]
    assert _ids_of_a_slow_newcomer(after_someone_was_lost=False) == [[], [2]]


def _ids_of_a_walker_seen_unsurely(confidence: float, seed: int) -> list[int]:
    """A walker at 5 fps, 12 px per detection, the boxes jittering by 5 px."""
    rng = np.random.default_rng(seed)
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=5.0))
    ids = []
    for k in range(40):
        x, y = 100.0 + 12 * k + rng.normal(0, 5), 100.0 + rng.normal(0, 5)
        tracked = tracker.update(_person(x, y, confidence=confidence))
        ids.append(_ids(tracked)[0] if len(tracked) else 0)
    return ids


@pytest.mark.parametrize("confidence", [0.3, 0.4, 0.9])
def test_a_detector_that_scores_low_keeps_the_walker_and_the_id(confidence: float) -> None:
    """The offline person model scores clear people 0.3 to 0.6 on vtest.avi: weighting overlaps
    by those raw scores lost this walker on most frames (0.3) or gave them 4 to 8 ids (0.4)."""
    for seed in range(5):
        assert _ids_of_a_walker_seen_unsurely(confidence, seed) == [1] * 40

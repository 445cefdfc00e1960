"""A segmentation model's polygons travel with their tracks: through matching, coasting and the
predictions for frames between detections, in every tracker."""

from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from detectors.segments import POLYGON, polygons
from tests.tracking import ids
from tracking import TRACKER_NAMES, TrackerName, TrackerOptions, create_tracker
from tracking.base import OUTLINE


def _outline(x: float, person: int) -> np.ndarray:
    """A triangle in the box of walker ``person``; its apex height tells the walkers apart."""
    return np.array([[x, 200], [x + 40, 200], [x + 20, 100 + 10 * person]], dtype=np.int32)


def _walkers(step: int, count: int = 3) -> sv.Detections:
    x = np.array([50 + 150 * i + 4 * step for i in range(count)], dtype=np.float32)
    xyxy = np.column_stack([x, np.full(count, 100.0), x + 40, np.full(count, 200.0)])
    return sv.Detections(
        xyxy=xyxy.astype(np.float32),
        confidence=np.full(count, 0.9, dtype=np.float32),
        class_id=np.zeros(count, dtype=int),
        data={
            "class_name": np.array(["person"] * count),
            POLYGON: [_outline(float(x[i]), i) for i in range(count)],
        },
    )


def _none() -> sv.Detections:
    """A frame where the segmentation model found nothing: the column is there, empty."""
    found = _walkers(0)[np.zeros(3, dtype=bool)]
    assert isinstance(found, sv.Detections)
    return found


def _apexes(tracks: sv.Detections) -> dict[int, int]:
    """Track id to the apex height of its polygon (which walker's polygon it carries)."""
    outlines = polygons(tracks)
    assert outlines is not None
    return {i: int(p[2, 1]) for i, p in zip(ids(tracks), outlines, strict=True)}


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_each_track_carries_its_own_detections_polygon(name: TrackerName) -> None:
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=10, gmc_method="none"))
    for step in range(5):
        shuffled = _walkers(step)[np.array([2, 0, 1])]
        assert isinstance(shuffled, sv.Detections)
        tracked = tracker.update(shuffled, timestamp=step / 10)
    assert len(tracked) == 3
    by_x = {i: x for i, x in zip(ids(tracked), tracked.xyxy[:, 0], strict=True)}
    apex = _apexes(tracked)
    left_to_right = sorted(by_x, key=by_x.__getitem__)
    assert [apex[i] for i in left_to_right] == [100, 110, 120]
    outlines = polygons(tracked)
    assert outlines is not None
    for outline, box in zip(outlines, tracked.xyxy, strict=True):
        assert abs(int(outline[0, 0]) - box[0]) < 8  # this step's polygon, not an old one
    predicted = tracker.predict(0.8)  # four frames on: boxes and outlines move together
    assert _apexes(predicted) == {i: a + _shift(tracked, predicted)[i][1] for i, a in apex.items()}
    after = polygons(predicted)
    assert after is not None and outlines is not None
    for k, track_id in enumerate(ids(predicted)):
        dx, dy = _shift(tracked, predicted)[track_id]
        assert dx > 5  # they walk right
        before = outlines[ids(tracked).index(track_id)]
        np.testing.assert_array_equal(after[k], before + np.array([dx, dy]))


def _shift(before: sv.Detections, after: sv.Detections) -> dict[int, tuple[int, int]]:
    """Track id to the move of its box centre, rounded to pixels."""
    centres = {i: (box[:2] + box[2:]) / 2 for i, box in zip(ids(before), before.xyxy, strict=True)}
    moves = {}
    for i, box in zip(ids(after), after.xyxy, strict=True):
        dx, dy = np.rint((box[:2] + box[2:]) / 2 - centres[i])
        moves[i] = (int(dx), int(dy))
    return moves


def test_trackers_move_the_column_detectors_fill() -> None:
    assert OUTLINE == POLYGON


def test_a_coasting_track_keeps_its_last_polygon() -> None:
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=10, coast_s=0.3))
    for step in range(5):
        seen = tracker.update(_walkers(step))
    coasting = tracker.update(_none())
    assert sorted(ids(coasting)) == sorted(ids(seen))
    assert _apexes(coasting) == _apexes(seen)

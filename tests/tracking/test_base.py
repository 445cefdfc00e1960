"""The tracker port's helper for trackers without a motion model: predict the last output."""

from __future__ import annotations

import numpy as np
import supervision as sv

from tests.tracking import ids
from tracking import Tracker
from tracking.base import Image, unmoved


class _OneTrackPerBox(Tracker):
    """Gives each detection the id of its position in the frame; no motion model."""

    def __init__(self) -> None:
        self._shown: sv.Detections | None = None

    def update(
        self,
        detections: sv.Detections,
        image: Image | None = None,
        timestamp: float | None = None,
    ) -> sv.Detections:
        tracked = detections[np.arange(len(detections))]
        assert isinstance(tracked, sv.Detections)
        tracked.tracker_id = np.arange(1, len(detections) + 1)
        self._shown = tracked
        return tracked

    def reset(self) -> None:
        self._shown = None

    def predict(self, timestamp: float | None = None) -> sv.Detections:
        return unmoved(self._shown)


def _boxes(*xs: float) -> sv.Detections:
    return sv.Detections(
        xyxy=np.array([[x, 10, x + 20, 50] for x in xs], dtype=np.float32).reshape(-1, 4),
        class_id=np.zeros(len(xs), dtype=int),
        data={"class_name": np.array(["person"] * len(xs))},
    )


def test_unmoved_is_a_copy_of_the_last_update() -> None:
    tracker = _OneTrackPerBox()
    tracked = tracker.update(_boxes(10.0, 60.0), timestamp=1.0)
    predicted = tracker.predict(1.5)
    np.testing.assert_array_equal(predicted.xyxy, tracked.xyxy)
    assert ids(predicted) == [1, 2]
    assert list(predicted.data["class_name"]) == ["person", "person"]
    predicted.xyxy[:] = 0  # a copy: changing it changes neither the output nor a later predict
    assert tracked.xyxy[0, 0] == 10.0
    assert tracker.predict(1.5).xyxy[0, 0] == 10.0


def test_predict_has_no_tracks_before_an_update_or_after_a_reset() -> None:
    tracker = _OneTrackPerBox()
    nothing = tracker.predict()
    assert len(nothing) == 0 and nothing.tracker_id is not None
    tracker.update(_boxes(10.0))
    assert len(tracker.predict()) == 1
    tracker.reset()
    assert len(tracker.predict()) == 0

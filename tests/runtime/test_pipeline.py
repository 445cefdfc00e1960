from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from runtime.pipeline import FramePipeline
from stream import VideoFrame
from tests.blob_detector import BrightBlobDetector
from tracking import Tracker, TrackerOptions, create_tracker
from tracking.base import Image, unmoved


class _Recorder(Tracker):
    """Keeps the timestamp of every update; tracks nothing."""

    def __init__(self) -> None:
        self.timestamps: list[float | None] = []
        self._shown: sv.Detections | None = None

    def update(
        self,
        detections: sv.Detections,
        image: Image | None = None,
        timestamp: float | None = None,
    ) -> sv.Detections:
        self.timestamps.append(timestamp)
        self._shown = detections
        return detections

    def reset(self) -> None:
        self.timestamps.clear()
        self._shown = None

    def predict(self, timestamp: float | None = None) -> sv.Detections:
        return unmoved(self._shown)


def _frame(index: int, pts: float | None) -> VideoFrame:
    return VideoFrame(np.zeros((32, 32, 3), np.uint8), index, pts, 1000.0 + index, "cam")


def test_the_tracker_gets_each_analysed_frames_pts() -> None:
    tracker = _Recorder()
    pipeline = FramePipeline(BrightBlobDetector(), tracker, stride=2)
    pipeline.process([_frame(i, i * 0.04) for i in range(6)])
    assert tracker.timestamps == pytest.approx([0.0, 0.08, 0.16])


def test_without_pts_the_tracker_gets_the_wall_clock() -> None:
    tracker = _Recorder()
    FramePipeline(BrightBlobDetector(), tracker).process([_frame(i, None) for i in range(3)])
    assert tracker.timestamps == [1000.0, 1001.0, 1002.0]


def _moving_blob(index: int) -> tuple[VideoFrame, float]:
    """A 20 px square moving 3 px right per frame at 25 fps; the frame and the square's left."""
    left = 10.0 + 3.0 * index
    image = np.zeros((64, 160, 3), np.uint8)
    image[20:40, round(left) : round(left) + 20] = 255
    return VideoFrame(image, index, index / 25, 1000.0 + index, "cam"), left


def test_skipped_frames_carry_the_trackers_prediction() -> None:
    """Stride 3: boxes on skipped frames move on from the last analysed one, towards the blob."""
    tracker = create_tracker(TrackerOptions(frame_rate=25 / 3))
    pipeline = FramePipeline(BrightBlobDetector(), tracker, stride=3)
    frames, lefts = zip(*(_moving_blob(i) for i in range(36)), strict=True)
    results = pipeline.process(frames)
    assert [r.analysed for r in results[:6]] == [True, False, False] * 2
    last_analysed = 0.0
    for result, left in list(zip(results, lefts, strict=True))[9:]:
        assert result.tracks.tracker_id is not None
        assert list(result.tracks.tracker_id) == [1]
        x = float(result.tracks.xyxy[0, 0])
        if result.analysed:
            last_analysed = x
            continue
        assert x > last_analysed + 2.0  # moved: 3 or 6 px on
        assert abs(x - left) < abs(last_analysed - left)
        assert abs(x - left) < 1.5
        assert list(result.tracks.data["class_name"]) == ["square"]


def test_frames_before_the_first_analysed_one_have_no_tracks() -> None:
    pipeline = FramePipeline(BrightBlobDetector(), _Recorder(), stride=3)
    results = pipeline.process([_moving_blob(i)[0] for i in (1, 2, 3, 4)])
    assert [len(r.tracks) for r in results] == [0, 0, 1, 1]
    assert all(r.tracks.tracker_id is not None for r in results[:2])

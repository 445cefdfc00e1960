from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from runtime.pipeline import FramePipeline
from stream import VideoFrame
from tests.blob_detector import BrightBlobDetector
from tracking import Tracker
from tracking.base import Image


class _Recorder(Tracker):
    """Keeps the timestamp of every update; tracks nothing."""

    def __init__(self) -> None:
        self.timestamps: list[float | None] = []

    def update(
        self,
        detections: sv.Detections,
        image: Image | None = None,
        timestamp: float | None = None,
    ) -> sv.Detections:
        self.timestamps.append(timestamp)
        return detections

    def reset(self) -> None:
        self.timestamps.clear()


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

"""Detect then track, for one stream, with an optional stride."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import supervision as sv

from detectors import Detector
from outputs import FrameResult
from stream import VideoFrame
from tracking import Tracker


class FramePipeline:
    """Runs the detector on a batch of frames, then the tracker frame by frame, in order.

    With ``stride`` N only frames whose index is a multiple of N are detected and tracked; the
    frames in between are passed on with the last analysed frame's tracks and ``analysed=False``.
    """

    def __init__(self, detector: Detector, tracker: Tracker, *, stride: int = 1) -> None:
        if stride < 1:
            raise ValueError(f"stride must be at least 1, got {stride}")
        self._detector = detector
        self._tracker = tracker
        self._stride = stride
        self._last = _no_tracks()

    def process(self, frames: Sequence[VideoFrame]) -> list[FrameResult]:
        analysed = [frame for frame in frames if frame.index % self._stride == 0]
        detections = iter(self._detector.detect([frame.image for frame in analysed]))
        results = []
        for frame in frames:
            is_analysed = frame.index % self._stride == 0
            if is_analysed:
                found = next(detections)
                self._last = self._tracker.update(found, frame.image, timestamp=frame.timestamp)
            results.append(
                FrameResult(
                    index=frame.index,
                    pts=frame.pts,
                    image=frame.image,
                    tracks=self._last,
                    analysed=is_analysed,
                )
            )
        return results


def _no_tracks() -> sv.Detections:
    tracks = sv.Detections.empty()
    tracks.tracker_id = np.array([], dtype=int)
    return tracks

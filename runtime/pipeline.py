"""Detect then track, for one stream, with an optional stride."""

from __future__ import annotations

from collections.abc import Sequence

from detectors import Detector
from outputs import FrameResult
from stream import VideoFrame
from tracking import Tracker


class FramePipeline:
    """Runs the detector on a batch of frames, then the tracker frame by frame, in order.

    With ``stride`` N only frames whose index is a multiple of N are detected and tracked; the
    frames in between get ``analysed=False`` and the tracker's prediction for their time
    (:meth:`tracking.Tracker.predict`): the last analysed frame's tracks, moved along their
    motion by trackers that model it.
    """

    def __init__(self, detector: Detector, tracker: Tracker, *, stride: int = 1) -> None:
        if stride < 1:
            raise ValueError(f"stride must be at least 1, got {stride}")
        self._detector = detector
        self._tracker = tracker
        self._stride = stride

    def process(self, frames: Sequence[VideoFrame]) -> list[FrameResult]:
        analysed = [frame for frame in frames if frame.index % self._stride == 0]
        detections = iter(self._detector.detect([frame.image for frame in analysed]))
        results = []
        for frame in frames:
            is_analysed = frame.index % self._stride == 0
            if is_analysed:
                tracks = self._tracker.update(
                    next(detections), frame.image, timestamp=frame.timestamp
                )
            else:
                tracks = self._tracker.predict(frame.timestamp)
            results.append(
                FrameResult(
                    index=frame.index,
                    pts=frame.pts,
                    image=frame.image,
                    tracks=tracks,
                    analysed=is_analysed,
                )
            )
        return results

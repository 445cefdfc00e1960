"""Detect then track, for one stream, with an optional stride or motion gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import supervision as sv

from detectors import Detector, PendingDetections
from outputs import FrameResult
from runtime.camera_pipeline import no_tracks
from runtime.gate import DetectionGate
from stream import VideoFrame
from tracking import Tracker


@dataclass(frozen=True, slots=True)
class StartedBatch:
    """Frames whose detection has started (:meth:`FramePipeline.start`)."""

    frames: Sequence[VideoFrame]
    detected: Sequence[bool]
    """Per frame: whether it went to the detector."""
    detections: PendingDetections


class FramePipeline:
    """Runs the detector on a batch of frames, then the tracker frame by frame, in order.

    :meth:`start` submits a batch to the detector and returns at once where the detector runs
    asynchronously; :meth:`finish` waits for it and tracks. Callers that keep several batches
    started finish them in the order they started them.

    With ``stride`` N only frames whose index is a multiple of N are detected and tracked; with a
    ``gate`` (``runtime.gate``) only the frames it admits (motion, moving tracks, keyframes). The
    other frames get ``analysed=False`` and the tracker's prediction for their time
    (:meth:`tracking.Tracker.predict`): the last analysed frame's tracks, moved along their
    motion by trackers that model it. The gate judges tracks by the last finished batch, so
    with several batches in flight it sees them a little late, the same way on every run.
    """

    def __init__(
        self,
        detector: Detector,
        tracker: Tracker,
        *,
        stride: int = 1,
        gate: DetectionGate | None = None,
    ) -> None:
        if stride < 1:
            raise ValueError(f"stride must be at least 1, got {stride}")
        self.detector = detector
        self._tracker = tracker
        self._stride = stride
        self._gate = gate
        self._tracks: sv.Detections = no_tracks()

    def process(self, frames: Sequence[VideoFrame]) -> list[FrameResult]:
        return self.finish(self.start(frames))

    def start(self, frames: Sequence[VideoFrame]) -> StartedBatch:
        detected = [self._admit(frame) for frame in frames]
        chosen = [frame.image for frame, admit in zip(frames, detected, strict=True) if admit]
        return StartedBatch(frames, detected, self.detector.submit(chosen))

    def finish(self, started: StartedBatch) -> list[FrameResult]:
        detections = iter(started.detections.result())
        results = []
        for frame, detected in zip(started.frames, started.detected, strict=True):
            if detected:
                tracks = self._tracker.update(
                    next(detections), frame.image, timestamp=frame.timestamp
                )
                self._tracks = tracks
            else:
                tracks = self._tracker.predict(frame.timestamp)
            results.append(
                FrameResult(
                    index=frame.index,
                    pts=frame.pts,
                    image=frame.image,
                    tracks=tracks,
                    analysed=detected,
                )
            )
        return results

    def _admit(self, frame: VideoFrame) -> bool:
        if frame.index % self._stride:
            return False
        if self._gate is None:
            return True
        return self._gate.decide(frame.image, frame.timestamp, self._tracks).detect

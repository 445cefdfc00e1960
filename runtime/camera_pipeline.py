"""What a detector worker keeps per camera: its source, gate, tracker, subscribers and counters."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import supervision as sv

from analytics import Analyser
from outputs import FrameResult
from runtime.broadcast import Broadcast
from runtime.gate import DetectionGate
from stream import VideoFrame
from stream.health import RateMeter
from stream.live import LiveCamera
from tracking import Tracker

log = logging.getLogger(__name__)

DEFAULT_STREAM_FPS = 10.0
"""Assumed when a stream states no frame rate."""


def no_tracks() -> sv.Detections:
    tracks = sv.Detections.empty()
    tracks.tracker_id = np.array([], dtype=int)
    return tracks


@dataclass(eq=False)
class CameraPipeline:
    camera: LiveCamera
    make_tracker: Callable[[float], Tracker]
    """Builds the camera's tracker for a frame rate; called at the first analysed frame, when the
    stream's own rate is known."""
    results: Broadcast[FrameResult]
    min_interval_s: float = 0.0
    """From the camera's fps cap: frames closer together than this are skipped."""
    analysers: tuple[Analyser, ...] = ()
    """Fed every analysed frame after the subscribers got it (events, counts)."""
    gate: DetectionGate | None = None
    """Motion gating: frames it skips get the tracker's prediction instead of the detector."""
    analysis_errors: int = 0
    last_analysed: float = float("-inf")
    analysed: int = 0
    capped: int = 0
    warming: int = 0
    """Frames shown without tracks while the detector got ready for this camera's frame size."""
    queued: int = 0
    """Frames of this camera in the worker's queue (with the detector, or waiting behind those)
    or held for the detector."""
    superseded: int = 0
    """Frames held for the detector and replaced by the camera's newer frame before it had room
    (dropped, like frames replaced in the camera's slot)."""
    rate_out: RateMeter = field(default_factory=RateMeter)
    tracker: Tracker | None = None
    tracks: sv.Detections = field(default_factory=no_tracks)
    """The tracker's output for the last detected frame."""

    def tracker_for_frame(self) -> Tracker:
        if self.tracker is None:
            stream_fps = self.camera.source_fps or DEFAULT_STREAM_FPS
            analysed_fps = (
                min(stream_fps, 1 / self.min_interval_s) if self.min_interval_s else stream_fps
            )
            self.tracker = self.make_tracker(analysed_fps)
        return self.tracker

    def fps_out(self) -> float:
        return self.rate_out.rate(time.monotonic())

    def wants_detection(self, frame: VideoFrame) -> bool:
        """The motion gate's decision (always yes without a gate)."""
        if self.gate is None:
            return True
        return self.gate.decide(frame.image, frame.timestamp, self.tracks).detect

    def show_predicted(self, frame: VideoFrame) -> None:
        """Publish a frame the gate skipped with the tracks predicted for its time."""
        predicted = self.tracker.predict(frame.timestamp) if self.tracker else no_tracks()
        self.publish(frame, predicted, analysed=False)

    def track(self, frame: VideoFrame, detections: sv.Detections) -> None:
        """Track the detector's boxes for ``frame``, publish and analyse the result. A failure
        costs this camera this frame (counted), never the detector thread."""
        try:
            self.tracks = self.tracker_for_frame().update(
                detections, frame.image, timestamp=frame.timestamp
            )
        except Exception:
            self.analysis_errors += 1
            log.exception("tracking failed on frame %d of %s", frame.index, frame.source_id)
            return
        self.analysed += 1
        self.rate_out.tick(time.monotonic())
        result = self.publish(frame, self.tracks, analysed=True)
        for analyser in self.analysers:
            try:
                analyser.update(result)
            except Exception:
                self.analysis_errors += 1
                log.exception("%s failed on frame %d", type(analyser).__name__, result.index)

    def publish(self, frame: VideoFrame, tracks: sv.Detections, *, analysed: bool) -> FrameResult:
        result = FrameResult(
            index=frame.index,
            pts=frame.pts,
            image=frame.image,
            tracks=tracks,
            analysed=analysed,
            camera_id=frame.source_id,
            received_at=frame.received_at,
        )
        self.results.publish(result)
        return result

    def finish(self, now: float) -> None:
        for analyser in self.analysers:
            try:
                analyser.finish(now)
            except Exception:
                self.analysis_errors += 1
                log.exception("%s failed to finish", type(analyser).__name__)

"""One detector shared by many cameras: a thread that batches their newest frames.

Cameras signal new frames through :meth:`DetectorWorker.notify`. The worker takes at most one
frame per camera (the newest; older ones were already replaced in the camera's slot and counted as
dropped), waits up to ``batch_wait_s`` for more cameras to fill the batch, runs the detector once,
then each camera's own tracker, and publishes one :class:`FrameResult` per frame to that camera's
subscribers. A detector error costs that batch, is logged and counted, and the worker goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from analytics import Analyser
from detectors import Detector
from outputs import FrameResult
from runtime.broadcast import Broadcast
from stream import VideoFrame
from stream.health import RateMeter
from stream.live import LiveCamera
from tracking import Tracker

log = logging.getLogger(__name__)

DEFAULT_STREAM_FPS = 10.0
"""Assumed when a stream states no frame rate."""


@dataclass(eq=False)
class CameraPipeline:
    """What the worker keeps per camera: its source, tracker, subscribers and counters."""

    camera: LiveCamera
    make_tracker: Callable[[float], Tracker]
    """Builds the camera's tracker for a frame rate; called at the first analysed frame, when the
    stream's own rate is known."""
    results: Broadcast[FrameResult]
    min_interval_s: float = 0.0
    """From the camera's fps cap: frames closer together than this are skipped."""
    analysers: tuple[Analyser, ...] = ()
    """Fed every analysed frame after the subscribers got it (events, counts)."""
    analysis_errors: int = 0
    last_analysed: float = float("-inf")
    analysed: int = 0
    capped: int = 0
    rate_out: RateMeter = field(default_factory=RateMeter)
    tracker: Tracker | None = None

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

    def analyse(self, result: FrameResult) -> None:
        for analyser in self.analysers:
            try:
                analyser.update(result)
            except Exception:
                self.analysis_errors += 1
                log.exception("%s failed on frame %d", type(analyser).__name__, result.index)

    def finish(self, now: float) -> None:
        for analyser in self.analysers:
            try:
                analyser.finish(now)
            except Exception:
                self.analysis_errors += 1
                log.exception("%s failed to finish", type(analyser).__name__)


class DetectorWorker:
    """Runs ``detector`` for every attached camera on one thread."""

    def __init__(
        self,
        detector: Detector,
        *,
        batch_size: int,
        batch_wait_s: float,
        name: str,
        on_batch: Callable[[float, int], None] | None = None,
    ) -> None:
        """``on_batch(seconds, frames)`` is told each detector call's latency (for metrics)."""
        self.detector = detector
        self.name = name
        self._on_batch = on_batch
        self._batch_size = batch_size
        self._batch_wait_s = batch_wait_s
        self._pipelines: dict[str, CameraPipeline] = {}
        self._turn = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"trackcast-{name}", daemon=True)
        self.batches = 0
        self.frames = 0
        self.errors = 0
        self.last_latency_s = 0.0

    def attach(self, camera_id: str, pipeline: CameraPipeline) -> None:
        with self._lock:
            self._pipelines[camera_id] = pipeline

    def detach(self, camera_id: str) -> CameraPipeline | None:
        with self._lock:
            return self._pipelines.pop(camera_id, None)

    def pipeline(self, camera_id: str) -> CameraPipeline | None:
        with self._lock:
            return self._pipelines.get(camera_id)

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.5)
            self._wake.clear()
            batch = self._collect({})
            if not batch:
                continue
            deadline = time.monotonic() + self._batch_wait_s
            while len(batch) < self._batch_size and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or len(batch) >= self._streaming_count():
                    break
                self._wake.wait(remaining)
                self._wake.clear()
                batch = self._collect(batch)
            self._process(list(batch.values()))

    def _streaming_count(self) -> int:
        """Cameras that can still add a frame to a batch: waiting for a camera that is down
        would delay every batch of the live ones."""
        with self._lock:
            return sum(1 for p in self._pipelines.values() if p.camera.streaming)

    def _collect(
        self, batch: dict[str, tuple[CameraPipeline, VideoFrame]]
    ) -> dict[str, tuple[CameraPipeline, VideoFrame]]:
        """Add the newest frame of each camera not yet in ``batch``, honouring fps caps."""
        with self._lock:
            pipelines = list(self._pipelines.items())
        if pipelines and not batch:  # start each batch at the next camera: no camera starves
            self._turn = (self._turn + 1) % len(pipelines)
            pipelines = pipelines[self._turn :] + pipelines[: self._turn]
        now = time.monotonic()
        for camera_id, pipeline in pipelines:
            if camera_id in batch or len(batch) >= self._batch_size:
                continue
            frame = pipeline.camera.frames.take_nowait()
            if frame is None:
                continue
            if now - pipeline.last_analysed < pipeline.min_interval_s:
                pipeline.capped += 1
                continue
            pipeline.last_analysed = now
            batch[camera_id] = (pipeline, frame)
        return batch

    def _process(self, batch: list[tuple[CameraPipeline, VideoFrame]]) -> None:
        started = time.monotonic()
        try:
            detections = self.detector.detect([frame.image for _, frame in batch])
        except Exception:
            self.errors += 1
            log.exception("detector failed on a batch of %d frames; skipping it", len(batch))
            return
        self.last_latency_s = time.monotonic() - started
        if self._on_batch is not None:
            self._on_batch(self.last_latency_s, len(batch))
        self.batches += 1
        self.frames += len(batch)
        for (pipeline, frame), found in zip(batch, detections, strict=True):
            tracker = pipeline.tracker_for_frame()
            tracks = tracker.update(found, frame.image, timestamp=frame.timestamp)
            pipeline.analysed += 1
            pipeline.rate_out.tick(time.monotonic())
            result = FrameResult(
                index=frame.index,
                pts=frame.pts,
                image=frame.image,
                tracks=tracks,
                camera_id=frame.source_id,
                received_at=frame.received_at,
            )
            pipeline.results.publish(result)
            pipeline.analyse(result)

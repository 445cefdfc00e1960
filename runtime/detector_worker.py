"""One detector shared by many cameras: a thread that batches their newest frames.

Cameras signal new frames through :meth:`DetectorWorker.notify`. The worker takes at most one
frame per camera (the newest; older ones were already replaced in the camera's slot and counted as
dropped) and sends it on its way:

* a frame whose size the detector is not ready for yet (exporting, calibrating INT8 on the
  camera's own frames, compiling: ``runtime.warmup``) is shown without tracks;
* a frame the camera's motion gate skips (``runtime.gate``) is shown with the tracker's
  prediction for its time;
* the others are batched (waiting up to ``batch_wait_s`` for more cameras) and submitted to the
  detector, then tracked, published and analysed in order.

Submissions are pipelined: as many batches run at once as the detector was planned for (one per
inference stream: one for a single camera, which wants latency, up to ``max_in_flight`` for
several), and the next batch is submitted the moment one finishes, before the finished one is
tracked. Every frame taken joins one queue, in order, so each camera's frames are tracked and
published in order even with several in flight: a frame the gate skips while earlier frames of its
camera are still with the detector waits its turn and then gets the prediction from the tracker's
newest state. The worker never blocks on the detector: while every stream is busy it keeps taking
frames, publishes those the gate skips at once (other cameras need not wait for a busy one), and
holds those that want the detector until a stream is free; a camera's newer frame replaces its held
one (counted as dropped), so what is submitted is always the newest. A detector error costs that
batch, is logged and counted, and the worker goes on. An error in one camera's own steps (its
tracker, gate, analysis, viewers) fails that camera alone (``CameraPipeline.fail``): its frames
are no longer taken, and the other cameras never notice. The loop beats a :class:`Heartbeat`, so
readiness sees a worker that died or hangs; the thread is a :class:`stream.worker.Worker`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from detectors import Detector, PendingDetections
from runtime.camera_pipeline import CameraPipeline, Step, no_tracks, step
from runtime.warmup import Warmup, WarmupStatus
from stream import VideoFrame
from stream.worker import Worker

log = logging.getLogger(__name__)

Batch = list[tuple[CameraPipeline, VideoFrame]]

POLL_S = 0.003
"""How often the worker looks for finished detections while frames are in flight."""
IDLE_WAIT_S = 0.5


@dataclass(eq=False)
class _Submission:
    batch: Batch
    pending: PendingDetections | None
    """None when submitting failed (already counted)."""
    started: float


@dataclass(eq=False)
class _Skipped:
    """A frame the gate kept from the detector, behind frames of its camera still in flight."""

    pipeline: CameraPipeline
    frame: VideoFrame


_Entry = _Submission | _Skipped


def _finished(entry: _Entry) -> bool:
    """The entry can complete without waiting."""
    return isinstance(entry, _Skipped) or entry.pending is None or entry.pending.done()


def _without(batch: Batch, pipeline: CameraPipeline) -> Batch:
    """``batch`` without the frames of ``pipeline`` (which failed)."""
    kept = [(p, f) for p, f in batch if p is not pipeline]
    pipeline.queued -= len(batch) - len(kept)
    return kept


def _running(queue: deque[_Entry]) -> int:
    """Submissions still with the detector."""
    return sum(1 for entry in queue if isinstance(entry, _Submission) and not _finished(entry))


class DetectorWorker(Worker):
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
        super().__init__(name)
        self.detector = detector
        self.warmup = Warmup(detector, name=name)
        self._on_batch = on_batch
        self._batch_size = batch_size
        self._batch_wait_s = batch_wait_s
        self._pipelines: dict[str, CameraPipeline] = {}
        self._turn = 0
        self._planned = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self.batches = 0
        self.frames = 0
        self.errors = 0
        self.last_latency_s = 0.0

    def attach(self, camera_id: str, pipeline: CameraPipeline) -> None:
        with self._lock:
            self._pipelines[camera_id] = pipeline
        self._wake.set()

    def detach(self, camera_id: str) -> CameraPipeline | None:
        with self._lock:
            return self._pipelines.pop(camera_id, None)

    def camera_count(self) -> int:
        """Cameras attached (and not yet detached)."""
        with self._lock:
            return len(self._pipelines)

    def pipeline(self, camera_id: str) -> CameraPipeline | None:
        with self._lock:
            return self._pipelines.get(camera_id)

    def warmup_status(self, pipeline: CameraPipeline) -> WarmupStatus | None:
        """Where the detector stands for the camera's frame size (None before its first frame)."""
        latest = pipeline.results.latest
        if latest is None:
            return None
        return self.warmup.status((latest.image.shape[0], latest.image.shape[1]))

    def notify(self) -> None:
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the loop, then wait for a detector preparation under way (it cannot be
        interrupted); True if both ended within ``timeout_s`` each."""
        return super().stop(timeout_s) and self.warmup.stop(timeout_s)

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        queue: deque[_Entry] = deque()
        held: Batch = []
        while not self.stopping:
            self.heartbeat.beat(IDLE_WAIT_S + self._batch_wait_s)
            self._plan()
            if held and _running(queue) < self._planned:
                # submit before tracking what finished: the detector never waits for the tracker
                queue.append(self._submit(self._fill(held, queue)))
                held = []
            while queue and _finished(queue[0]):
                self._complete(queue.popleft())
            # a new frame wakes the worker; a result in flight is noticed within POLL_S
            self._wake.wait(POLL_S if queue or held else IDLE_WAIT_S)
            self._wake.clear()
            held = self._collect(held, queue)
        for pipeline, _ in held:
            pipeline.queued -= 1
        while queue:
            self._complete(queue.popleft())

    def _plan(self) -> None:
        """Tell the detector how many frames will be in flight: one camera wants latency."""
        with self._lock:
            streaming = sum(1 for p in self._pipelines.values() if p.camera.streaming)
        wanted = max(1, min(streaming, self.detector.max_in_flight))
        if wanted != self._planned:
            self._planned = wanted
            self.detector.plan(wanted)

    def _fill(self, batch: Batch, queue: deque[_Entry]) -> Batch:
        """Wait up to ``batch_wait_s`` for more cameras' frames to join a started batch."""
        if not batch:
            return batch
        deadline = time.monotonic() + self._batch_wait_s
        while len(batch) < self._batch_size and not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or len(batch) >= self._streaming_count():
                break
            self._wake.wait(remaining)
            self._wake.clear()
            batch = self._collect(batch, queue)
        return batch

    def _streaming_count(self) -> int:
        """Cameras that can still add a frame to a batch: waiting for a camera that is down
        would delay every batch of the live ones."""
        with self._lock:
            return sum(1 for p in self._pipelines.values() if p.camera.streaming)

    def _collect(self, batch: Batch, queue: deque[_Entry]) -> Batch:
        """Add the newest frame of each camera not yet in ``batch`` that needs the detector;
        queue or publish the ones its gate skips; replace a camera's frame in ``batch`` with its
        newer one (``batch`` is held until the detector has room)."""
        with self._lock:
            pipelines = list(self._pipelines.values())
        if pipelines and not batch:  # start each batch at the next camera: no camera starves
            self._turn = (self._turn + 1) % len(pipelines)
            pipelines = pipelines[self._turn :] + pipelines[: self._turn]
        taken = {id(p) for p, _ in batch}
        now = time.monotonic()
        for pipeline in pipelines:
            if pipeline.failed:
                continue
            try:
                if id(pipeline) in taken:
                    batch = self._supersede(batch, pipeline)
                elif len(batch) < self._batch_size:
                    self._take(pipeline, now, batch, queue)
            except Exception as error:
                pipeline.fail(error)
                batch = _without(batch, pipeline)
        return batch

    def _take(
        self, pipeline: CameraPipeline, now: float, batch: Batch, queue: deque[_Entry]
    ) -> None:
        """Take the camera's newest frame: into ``batch`` if it needs the detector, else into
        ``queue`` behind its frames in flight, else published at once with predicted tracks."""
        with step(Step.TAKE):
            frame = pipeline.camera.frames.take_nowait()
        if frame is None:
            return
        if now - pipeline.last_analysed < pipeline.min_interval_s:
            pipeline.capped += 1
            return
        if not self._ready_for(pipeline, frame):
            return
        pipeline.last_analysed = now
        if pipeline.wants_detection(frame):
            pipeline.queued += 1
            batch.append((pipeline, frame))
        elif pipeline.queued:
            pipeline.queued += 1
            queue.append(_Skipped(pipeline, frame))
        else:
            pipeline.show_predicted(frame)

    def _supersede(self, batch: Batch, pipeline: CameraPipeline) -> Batch:
        """Put the camera's newest frame in place of its older one held in ``batch``: a detection
        is due for the camera anyway, and the newest frame gives the freshest result."""
        with step(Step.TAKE):
            frame = pipeline.camera.frames.take_nowait()
        if frame is None:
            return batch
        pipeline.superseded += 1
        others = [(p, f) for p, f in batch if p is not pipeline]
        if not self._ready_for(pipeline, frame):  # the stream changed size: drop both
            pipeline.queued -= 1
            return others
        return [*others, (pipeline, frame)]

    def _ready_for(self, pipeline: CameraPipeline, frame: VideoFrame) -> bool:
        size = (frame.height, frame.width)
        if self.warmup.ready(size):
            return True
        with step(Step.WARMUP):
            self.warmup.offer(size, frame.image)
        pipeline.warming += 1
        pipeline.publish(frame, no_tracks(), analysed=False, blind=True)
        return False

    def _submit(self, batch: Batch) -> _Submission:
        started = time.monotonic()
        try:
            pending = self.detector.submit([frame.image for _, frame in batch])
        except Exception:
            self._failed(batch)
            return _Submission(batch, None, started)
        return _Submission(batch, pending, started)

    def _complete(self, entry: _Entry) -> None:
        if isinstance(entry, _Skipped):
            entry.pipeline.queued -= 1
            self._contained(entry.pipeline, lambda: entry.pipeline.show_predicted(entry.frame))
            return
        batch = entry.batch
        try:
            if entry.pending is None:
                return
            try:
                detections = entry.pending.result()
                if len(detections) != len(batch):
                    raise ValueError(f"{len(detections)} results for {len(batch)} frames")
            except Exception:
                self._failed(batch)
                return
            self.last_latency_s = time.monotonic() - entry.started
            if self._on_batch is not None:
                self._on_batch(self.last_latency_s, len(batch))
            self.batches += 1
            self.frames += len(batch)
            for (pipeline, frame), found in zip(batch, detections, strict=True):
                if pipeline.failed:
                    continue
                try:
                    pipeline.track(frame, found)
                except Exception as error:
                    pipeline.fail(error)
        finally:
            for pipeline, _ in batch:
                pipeline.queued -= 1

    @staticmethod
    def _contained(pipeline: CameraPipeline, call: Callable[[], None]) -> None:
        """Run one camera's step; its failure fails that camera, never the worker."""
        if pipeline.failed:
            return
        try:
            call()
        except Exception as error:
            pipeline.fail(error)

    def _failed(self, batch: Batch) -> None:
        self.errors += 1
        log.exception("detector failed on a batch of %d frames; skipping it", len(batch))

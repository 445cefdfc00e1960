"""Simulated cameras for scale tests: no video, a detector that only takes time.

:class:`cluster.sim_agent.SimAgent` runs a node's worth of them on one asyncio loop in place of
what a node agent runs (``runtime.cameras.CameraRuntime`` with its shared detector) at a tiny
fraction of the cost, so that one machine can run a thousand cameras through the real
controller, placement, failover and PostgreSQL writer:

- each camera is a task that produces a frame every ``1 / fps`` seconds into the node's
  latest-frame queue (a camera whose previous frame is still waiting drops the new one, counted,
  as the real runtime's latest-frame slot does);
- the node's detector stand-in takes up to ``max_batch`` frames at a time, one batch at a time,
  and sleeps what that batch costs on the modelled hardware (:class:`DetectorCost`, from the
  measured throughput in README.md's "Detector alone" table);
- each analysed frame advances the camera's synthetic tracks, which emit ``track.started``,
  ``line.crossed`` and ``track.ended`` events at ``events_per_s`` (a Poisson process) into the
  real :class:`storage.EventWriter` (batched inserts into the shared database).

Every event's ``data`` holds the ``node`` that emitted it, so a test can tell whether a camera's
old node kept writing after the camera moved.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa

from analytics.counts import CountRow
from config import CameraConfig
from events import Event, EventType, StoredEvent
from runtime.cameras import CameraStatus
from storage import EventStore
from stream.health import CameraHealth, CameraState, RateMeter
from stream.redact import redact_url

MEASURED_FPS_2_CORES: dict[tuple[str, int, str], float] = {
    ("person-yolov8s", 640, "torch fp32"): 4.1,
    ("person-yolov8s", 640, "onnxruntime fp32"): 5.5,
    ("person-yolov8s", 640, "openvino fp32"): 5.4,
    ("person-yolov8s", 640, "openvino int8"): 10.6,
    ("person-yolov8s", 320, "torch fp32"): 11.4,
    ("person-yolov8s", 320, "onnxruntime fp32"): 17.9,
    ("person-yolov8s", 320, "openvino fp32"): 19.4,
    ("person-yolov8s", 320, "openvino int8"): 36.5,
    ("yolo11n", 640, "torch fp32"): 10.6,
    ("yolo11n", 640, "onnxruntime fp32"): 15.4,
    ("yolo11n", 640, "openvino fp32"): 17.2,
    ("yolo11n", 640, "openvino int8"): 29.1,
    ("yolo11n", 320, "torch fp32"): 22.9,
    ("yolo11n", 320, "onnxruntime fp32"): 47.9,
    ("yolo11n", 320, "openvino fp32"): 64.1,
    ("yolo11n", 320, "openvino int8"): 95.6,
}
"""Frames per second one detector gets through with requests in flight on the 2-core AVX2 VM
of README.md ("The CPU fast path", "Detector alone"; ``bench.detector_speed``)."""
MEASURED_CORES = 2
OPEN_TRACKS_MAX = 8
"""A camera's synthetic tracks open at once (more end the oldest)."""


class DetectorModel(StrEnum):
    """The measured models :class:`DetectorCost` can model."""

    PERSON_YOLOV8S = "person-yolov8s"
    YOLO11N = "yolo11n"


class Backend(StrEnum):
    """The measured backends and precisions :class:`DetectorCost` can model."""

    TORCH_FP32 = "torch fp32"
    ONNXRUNTIME_FP32 = "onnxruntime fp32"
    OPENVINO_FP32 = "openvino fp32"
    OPENVINO_INT8 = "openvino int8"


@dataclass(frozen=True, slots=True)
class DetectorCost:
    """What one frame costs a node's detector: measured throughput on 2 cores, scaled linearly
    to the node's ``cores`` (an assumption: inference parallelises across cores, as OpenVINO's
    requests in flight do; the doc says so)."""

    model: DetectorModel = DetectorModel.YOLO11N
    imgsz: int = 320
    backend: Backend = Backend.OPENVINO_INT8
    cores: int = 16

    @property
    def fps(self) -> float:
        """Frames a second the node's detector gets through."""
        measured = MEASURED_FPS_2_CORES[(self.model.value, self.imgsz, self.backend.value)]
        return measured * self.cores / MEASURED_CORES

    @property
    def frame_s(self) -> float:
        return 1.0 / self.fps


@dataclass(frozen=True, slots=True)
class SimBehaviour:
    """How every simulated camera behaves; the same on every node."""

    fps: float = 1.0
    """Frames a second each camera sends to the detector."""
    events_per_s: float = 1.0
    """Per camera. The demo (vtest, a busy walkway) emits about 1.5 a second (README.md)."""
    detector: DetectorCost = field(default_factory=DetectorCost)
    max_batch: int = 8
    """Most frames the node's detector stand-in takes at once."""


@dataclass(frozen=True, slots=True)
class InsertStats:
    """The event writer's inserts on one node: batches, events and time spent."""

    batches: int
    events: int
    seconds: tuple[float, ...]
    """Each batch's insert time (the last ``InsertTimer.KEEP``)."""
    dropped: int
    """Events the writer's full queue dropped."""
    rejected: int
    """Events the database refused (a duplicate id)."""
    fenced: int
    """Events of cameras the agent no longer owned, dropped by its fence."""


class InsertTimer(EventStore):
    """The real :class:`EventStore`, timing each batch insert (one transaction)."""

    KEEP = 10_000

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self._lock = threading.Lock()
        self._seconds: deque[float] = deque(maxlen=self.KEEP)
        self.batches = 0
        self.events = 0

    def insert(
        self, items: Sequence[tuple[Event, str | None]], counts: Sequence[CountRow] = ()
    ) -> list[StoredEvent]:
        started = time.perf_counter()
        stored = super().insert(items, counts)
        elapsed = time.perf_counter() - started
        with self._lock:
            self._seconds.append(elapsed)
            self.batches += 1
            self.events += len(stored)
        return stored

    def seconds(self) -> tuple[float, ...]:
        with self._lock:
            return tuple(self._seconds)


class SimCamera:
    """One synthetic camera: its counters and its synthetic tracks."""

    def __init__(self, config: CameraConfig, node: str, rng: random.Random) -> None:
        self.config = config
        self.node = node
        self.since = time.time()
        self.frames_in = 0
        self.frames_dropped = 0
        self.frames_analysed = 0
        self.last_frame_at: float | None = None
        self.waiting = False
        self.fps_in = RateMeter()
        self.fps_out = RateMeter()
        self._rng = rng
        self._track_ids = itertools.count(1)
        self._open: deque[int] = deque()
        self._next_event_at: float | None = None

    def frame(self) -> bool:
        """Count a new frame; True if it goes to the detector, False if it is dropped because
        the previous one still waits there."""
        self.frames_in += 1
        self.last_frame_at = time.time()
        self.fps_in.tick(time.monotonic())
        if self.waiting:
            self.frames_dropped += 1
            return False
        self.waiting = True
        return True

    def analysed(self, now: float, events_per_s: float) -> list[Event]:
        """Count an analysed frame; the events its tracks emitted since the last one."""
        self.waiting = False
        self.frames_analysed += 1
        self.fps_out.tick(time.monotonic())
        if events_per_s <= 0:
            return []
        if self._next_event_at is None:
            self._next_event_at = now + self._rng.expovariate(events_per_s)
        emitted: list[Event] = []
        while self._next_event_at <= now:
            emitted.append(self._event(self._next_event_at))
            self._next_event_at += self._rng.expovariate(events_per_s)
        return emitted

    def stopped(self, now: float) -> list[Event]:
        """The camera stops: its open tracks end (reason ``camera stopped``, as the real
        analysers say)."""
        ended = [
            self._make(EventType.TRACK_ENDED, now, t, reason="camera stopped") for t in self._open
        ]
        self._open.clear()
        return ended

    def _event(self, at: float) -> Event:
        draw = self._rng.random()
        if not self._open or (draw < 0.3 and len(self._open) < OPEN_TRACKS_MAX):
            track = next(self._track_ids)
            self._open.append(track)
            return self._make(EventType.TRACK_STARTED, at, track)
        if draw < 0.6 or len(self._open) >= OPEN_TRACKS_MAX:
            return self._make(EventType.TRACK_ENDED, at, self._open.popleft(), reason="lost")
        track = self._rng.choice(self._open)
        return self._make(EventType.LINE_CROSSED, at, track, region="door", direction="in")

    def _make(
        self,
        kind: EventType,
        at: float,
        track: int,
        region: str | None = None,
        **data: str,
    ) -> Event:
        return Event(
            type=kind,
            camera_id=self.config.id,
            time=at,
            track_id=track,
            class_name="person",
            region=region,
            data={"node": self.node, "frame": self.frames_analysed, **data},
        )

    def status(self, queue_depth: int, detector: str) -> CameraStatus:
        now = time.monotonic()
        health = CameraHealth(
            camera_id=self.config.id,
            url=redact_url(self.config.url),
            state=CameraState.STREAMING if self.frames_in else CameraState.CONNECTING,
            since=self.since,
            last_frame_at=self.last_frame_at,
            reconnects=0,
            last_error=None,
            fps_in=self.fps_in.rate(now),
            frames_in=self.frames_in,
            frames_dropped=self.frames_dropped,
        )
        return CameraStatus(
            health=health,
            fps_out=self.fps_out.rate(now),
            frames_analysed=self.frames_analysed,
            frames_capped=0,
            analysis_errors=0,
            queue_depth=queue_depth,
            detector=detector,
            detector_state="ready",
            node=self.node,
        )

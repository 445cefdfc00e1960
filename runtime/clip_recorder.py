"""One camera's event clips: each requested clip is written once its post-capture time has passed.

:meth:`ClipRecorder.request` takes an event's id and time and returns at once (it runs on the
detector or storage thread). The recorder's own thread waits until ``time + post_capture_s``,
takes the ring's packets from the last keyframe at or before ``time - pre_capture_s`` and remuxes
them into ``<folder>/<event id>.mp4`` (see :mod:`stream.clip_writer`). Each clip's state
(``pending``, ``ready``, ``failed``) is kept for the last :data:`KEPT_STATES` requests; at most
:data:`MAX_PENDING` wait at once, and a request beyond that fails at once (and is counted) rather
than holding memory or falling behind.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from stream.clip_writer import ClipError, ClipInfo, write_clip
from stream.packet_ring import PacketRing
from stream.worker import Worker

log = logging.getLogger(__name__)

MAX_PENDING = 1000
KEPT_STATES = 10_000


class ClipState(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"
    """Written once, since deleted (retention); set by whoever deletes it."""


@dataclass(frozen=True, slots=True)
class ClipWindow:
    """How much video a clip holds around its event."""

    pre_capture_s: float
    post_capture_s: float


@dataclass(frozen=True, slots=True)
class ClipStatus:
    event_id: str
    state: ClipState
    since: float
    """Wall-clock start the clip should have (event time minus ``pre_capture_s``)."""
    until: float
    path: Path | None = None
    error: str | None = None
    clip: ClipInfo | None = None

    @property
    def complete(self) -> bool:
        """The written clip starts at or before :attr:`since` (the ring still held it)."""
        return self.clip is not None and self.clip.start <= self.since


class ClipRecorder(Worker):
    """Writes one camera's event clips from its packet ring, on a thread of its own."""

    def __init__(
        self,
        camera_id: str,
        ring: PacketRing,
        window: ClipWindow,
        folder: Path,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(f"clips-{camera_id}")
        self.camera_id = camera_id
        self.ring = ring
        self.window = window
        self.folder = folder
        self._clock = clock
        self._lock = threading.Condition()
        self._due: list[tuple[float, str]] = []
        self._states: OrderedDict[str, ClipStatus] = OrderedDict()
        self.refused = 0
        """Requests failed at once because :data:`MAX_PENDING` were already waiting."""

    def request(self, event_id: str, at: float) -> ClipStatus:
        """Schedule the clip of the event ``event_id`` that happened at ``at`` (wall clock)."""
        status = ClipStatus(
            event_id,
            ClipState.PENDING,
            since=at - self.window.pre_capture_s,
            until=at + self.window.post_capture_s,
        )
        with self._lock:
            if len(self._due) >= MAX_PENDING:
                self.refused += 1
                status = replace(status, state=ClipState.FAILED, error="too many clips pending")
            else:
                heapq.heappush(self._due, (status.until, event_id))
                self._lock.notify()
            self._keep(status)
        return status

    def status(self, event_id: str) -> ClipStatus | None:
        with self._lock:
            return self._states.get(event_id)

    def expire(self, event_id: str) -> None:
        """The clip's file was deleted: say so, and delete it if it is still there."""
        with self._lock:
            status = self._states.get(event_id)
            if status is None or status.state is not ClipState.READY:
                return
            self._keep(replace(status, state=ClipState.EXPIRED))
        if status.path is not None:
            status.path.unlink(missing_ok=True)

    def wake(self) -> None:
        with self._lock:
            self._lock.notify_all()

    def run(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        while not self.stopping:
            event_id = self._next_due()
            if event_id is not None:
                self._write(event_id)

    def _next_due(self) -> str | None:
        """The next clip whose time has come, or None after waiting a while (or on stop)."""
        with self._lock:
            now = self._clock()
            if self._due and self._due[0][0] <= now:
                return heapq.heappop(self._due)[1]
            delay = min(self._due[0][0] - now, 1.0) if self._due else 1.0
            self.heartbeat.beat(delay + 5.0)
            if not self.stopping:
                self._lock.wait(delay)
            return None

    def _write(self, event_id: str) -> None:
        with self._lock:
            status = self._states.get(event_id)
        if status is None:  # forgotten (more than KEPT_STATES since)
            return
        packets = self.ring.slice(status.since, status.until)
        if packets is None:
            self._finish(replace(status, state=ClipState.FAILED, error="no video in the ring"))
            return
        path = self.folder / f"{event_id}.mp4"
        try:
            clip = write_clip(path, packets)
        except (ClipError, OSError) as error:
            log.warning(
                "camera %s: clip of event %s failed: %s",
                self.camera_id,
                event_id,
                error,
                extra={"camera": self.camera_id},
            )
            self._finish(replace(status, state=ClipState.FAILED, error=str(error)))
            return
        self._finish(replace(status, state=ClipState.READY, path=path, clip=clip))

    def _finish(self, status: ClipStatus) -> None:
        with self._lock:
            self._keep(status)

    def _keep(self, status: ClipStatus) -> None:
        """Caller holds the lock."""
        self._states[status.event_id] = status
        self._states.move_to_end(status.event_id)
        while len(self._states) > KEPT_STATES:
            self._states.popitem(last=False)

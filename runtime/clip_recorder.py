"""One camera's event clips: each requested clip is written once its post-capture time has passed.

:meth:`ClipRecorder.request` takes an event's id and time and returns at once (it runs on the
detector or storage thread). The recorder's own thread waits until ``time + post_capture_s``,
takes the ring's packets from the last keyframe at or before ``time - pre_capture_s`` and remuxes
them into ``<folder>/<event id>.mp4`` (see :mod:`stream.clip_writer`). Each clip's state
(``pending``, ``ready``, ``failed``) is kept for the last :data:`KEPT_STATES` requests; at most
:data:`MAX_PENDING` wait at once, and a request beyond that fails at once (and is counted) rather
than holding memory or falling behind. Each clip that leaves ``pending`` goes to ``on_settled``
(which stores it with its event; one that raises is retried every second, the last
:data:`KEPT_STATES` kept); clips still pending when the recorder stops fail with the reason. A
clip that cannot be written (a full disk) fails with the reason, and :meth:`ClipRecorder.health`
reports it until a clip is written again; the camera and its events carry on either way.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from events import ClipState
from stream.clip_writer import ClipError, ClipInfo, write_clip
from stream.packet_ring import PacketRing
from stream.worker import Worker

log = logging.getLogger(__name__)

MAX_PENDING = 1000
KEPT_STATES = 10_000
STOPPED_BEFORE_WRITTEN = "the camera stopped before the clip was written"

__all__ = ["ClipHealth", "ClipRecorder", "ClipState", "ClipStatus", "ClipWindow"]


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
    def relative_path(self) -> str | None:
        """The file relative to the clips directory (``<camera>/<event id>.mp4``), if written."""
        return None if self.path is None else f"{self.path.parent.name}/{self.path.name}"

    @property
    def complete(self) -> bool:
        """The written clip starts at or before :attr:`since` (the ring still held it)."""
        return self.clip is not None and self.clip.start <= self.since


@dataclass(frozen=True, slots=True)
class ClipHealth:
    """How a camera's clip writing goes."""

    written: int
    failed: int
    last_error: str | None
    """Why the last clip failed, while no clip was written since; None while they work."""
    failing_since: float | None
    """Wall-clock time of the first failure since the last written clip."""


Settled = Callable[[ClipStatus], None]


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
        on_settled: Settled | None = None,
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
        self._on_settled = on_settled
        self._unsaved: deque[ClipStatus] = deque(maxlen=KEPT_STATES)
        self.written = 0
        self.failed = 0
        self._last_error: str | None = None
        self._failing_since: float | None = None

    def request(self, event_id: str, at: float) -> ClipStatus:
        """Schedule the clip of the event ``event_id`` that happened at ``at`` (wall clock)."""
        status = ClipStatus(
            event_id,
            ClipState.PENDING,
            since=at - self.window.pre_capture_s,
            until=at + self.window.post_capture_s,
        )
        with self._lock:
            refused = len(self._due) >= MAX_PENDING
            if refused:
                self.refused += 1
                status = replace(status, state=ClipState.FAILED, error="too many clips pending")
            else:
                heapq.heappush(self._due, (status.until, event_id))
                self._lock.notify()
            self._keep(status)
        if refused:
            self._settled(status)
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

    def health(self) -> ClipHealth:
        with self._lock:
            return ClipHealth(self.written, self.failed, self._last_error, self._failing_since)

    def wake(self) -> None:
        with self._lock:
            self._lock.notify_all()

    def run(self) -> None:
        while not self.stopping:
            event_id = self._next_due()
            if event_id is not None:
                self._write(event_id)
            else:
                self._save_unsaved()
        self._fail_pending()
        self._save_unsaved()

    def _fail_pending(self) -> None:
        """On stop: the clips still waiting will not be written (the ring stops with the
        camera); say so rather than leave them pending."""
        with self._lock:
            due, self._due = self._due, []
        for _, event_id in due:
            status = self.status(event_id)
            if status is not None and status.state is ClipState.PENDING:
                failed = replace(status, state=ClipState.FAILED, error=STOPPED_BEFORE_WRITTEN)
                with self._lock:
                    self._keep(failed)  # not a write failure: health and logs stay as they are
                self._settled(failed)

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
            self.folder.mkdir(parents=True, exist_ok=True)
            clip = write_clip(path, packets)
        except (ClipError, OSError) as error:
            self._finish(replace(status, state=ClipState.FAILED, error=str(error)))
            return
        self._finish(replace(status, state=ClipState.READY, path=path, clip=clip))

    def _finish(self, status: ClipStatus) -> None:
        """Keep the clip's outcome, count it, and log the start and the end of a run of
        failures (a full disk fails every clip: one line, not one per event)."""
        with self._lock:
            self._keep(status)
            recovered = self._failing_since is not None and status.state is ClipState.READY
            started = self._failing_since is None and status.state is ClipState.FAILED
            if status.state is ClipState.READY:
                self.written += 1
                self._last_error = self._failing_since = None
            elif status.state is ClipState.FAILED:
                self.failed += 1
                self._last_error = status.error
                if self._failing_since is None:
                    self._failing_since = self._clock()
        camera = {"camera": self.camera_id}
        if started:
            log.warning("camera %s: the clip of event %s failed: %s (events carry on; the next "
                        "failures are not logged until a clip is written)", self.camera_id,
                        status.event_id, status.error, extra=camera)  # fmt: skip
        elif status.state is ClipState.FAILED:
            log.debug("camera %s: the clip of event %s failed: %s", self.camera_id,
                      status.event_id, status.error, extra=camera)  # fmt: skip
        elif recovered:
            log.info("camera %s: clips are written again", self.camera_id, extra=camera)
        self._settled(status)

    def _settled(self, status: ClipStatus, *, retry: bool = False) -> None:
        """Hand a clip that left ``pending`` to ``on_settled``; kept for a retry if it fails
        (logged once per clip)."""
        if self._on_settled is None:
            return
        try:
            self._on_settled(status)
        except Exception as error:
            log.log(
                logging.DEBUG if retry else logging.WARNING,
                "camera %s: the state of the clip of event %s is not saved yet (%s); retrying",
                self.camera_id, status.event_id, error, extra={"camera": self.camera_id},
            )  # fmt: skip
            with self._lock:
                self._unsaved.append(status)

    def _save_unsaved(self) -> None:
        with self._lock:
            unsaved = list(self._unsaved)
            self._unsaved.clear()
        for status in unsaved:
            self._settled(status, retry=True)

    def _keep(self, status: ClipStatus) -> None:
        """Caller holds the lock."""
        self._states[status.event_id] = status
        self._states.move_to_end(status.event_id)
        while len(self._states) > KEPT_STATES:
            self._states.popitem(last=False)

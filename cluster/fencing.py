"""How a node agent stops writing for cameras it no longer owns.

The controller starts a lost node's cameras elsewhere, but a node cut off from the cluster (its
raylet dead, its machine unreachable) can keep its worker processes, and their camera threads,
running: they would go on writing events for cameras that now run on another node. So an agent
fences a camera (:class:`FencedEvents` drops whatever it still emits, the tracks it ends on
stopping included: the controller ends them, with reason ``node_lost``) and stops it when

- the controller's lease renewal (every second) no longer lists the camera as the agent's;
- its :class:`NodeWatch` learns from Ray that the agent's node is dead, or cannot learn for
  ``cutoff_s`` that it is alive (the node is cut off): the controller starts the node's cameras
  elsewhere only after that;
- the controller has not renewed its :class:`Lease` for ``lease_s`` (much longer than a
  controller takes to restart: a restarting controller finds the agents' cameras running and
  takes them over).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from events import Event, EventSink, Evidence
from stream.worker import Worker

log = logging.getLogger(__name__)

CUTOFF_S = 4.0
"""An agent stops its cameras at most this long after its node died or was cut off from the
cluster (the controller waits this long, and a grace, before starting them elsewhere)."""


class Lease:
    """Valid for ``duration_s`` after each :meth:`renew` (on this process's monotonic clock)."""

    def __init__(self, duration_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.duration_s = duration_s
        self._clock = clock
        self._renewed_at = clock()

    def renew(self) -> None:
        self._renewed_at = self._clock()

    def left_s(self) -> float:
        """Seconds until it runs out (0 once it has)."""
        return max(0.0, self._renewed_at + self.duration_s - self._clock())

    @property
    def expired(self) -> bool:
        return self.left_s() == 0.0


class FencedEvents:
    """An :class:`events.EventSink` that passes events on to ``sink`` except those of fenced
    cameras, which it drops and counts in ``dropped``. Thread-safe."""

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink
        self._fenced: set[str] = set()
        self._lock = threading.Lock()
        self.dropped = 0

    def fence(self, camera_ids: Iterable[str]) -> None:
        with self._lock:
            self._fenced.update(camera_ids)

    def admit(self, camera_id: str) -> None:
        """Let the camera's events through again (it was given back to this node)."""
        with self._lock:
            self._fenced.discard(camera_id)

    def fenced(self, camera_id: str) -> bool:
        with self._lock:
            return camera_id in self._fenced

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        with self._lock:  # held while passing on (it never blocks): none passes after fence()
            if event.camera_id in self._fenced:
                self.dropped += 1
                return
            self._sink.emit(event, evidence)


class NodeWatch(Worker):
    """Asks ``alive()`` (is this node alive, for Ray?) every ``interval_s`` on its own thread,
    as the call may hang on a node cut off from the cluster. :attr:`cut_off` once it said no,
    or has not said yes for ``cutoff_s`` (it raised, or hangs)."""

    def __init__(
        self,
        alive: Callable[[], bool],
        cutoff_s: float,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("node-watch")
        self._alive = alive
        self._cutoff_s = cutoff_s
        self._interval_s = interval_s
        self._clock = clock
        self._confirmed_at = clock()
        self._dead = False

    @property
    def cut_off(self) -> bool:
        return self._dead or self._clock() - self._confirmed_at > self._cutoff_s

    def check(self) -> None:
        """One check (the thread's loop, and tests)."""
        try:
            alive = self._alive()
        except Exception as error:  # Ray unreachable: cut off once it lasts
            log.warning("cannot learn whether this node is alive: %s", error)
            return
        if alive:
            self._confirmed_at = self._clock()
        elif not self._dead:
            log.warning("Ray says this node is dead: its cameras stop")
            self._dead = True

    def run(self) -> None:
        while not self.stopping:
            self.heartbeat.beat()
            self.check()
            self.wait(self._interval_s)

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

:class:`Ownership` keeps those three for an agent (the real one and the simulation's).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from events import Event, EventSink, Evidence
from stream.worker import Worker

log = logging.getLogger(__name__)

WATCH_STOP_S = 2.0
"""How long stopping waits for the node watch, whose check may hang on a lost cluster."""
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


def node_alive(node: str) -> bool:
    """Whether Ray's control store lists ``node`` as alive (it raises, or hangs, when it cannot
    be reached)."""
    import ray  # cluster mode only

    return any(entry["NodeID"] == node and entry["Alive"] for entry in ray.nodes())


class Ownership:
    """Which cameras an agent may run, and since which stored seq each run started: those the
    controller lists as the agent's own, and none at all once its node is dead or cut off or the
    controller has let its lease run out. Thread-safe; :meth:`start` and :meth:`stop` its
    :class:`NodeWatch`."""

    def __init__(self, lease_s: float, alive: Callable[[], bool]) -> None:
        self._lock = threading.Lock()
        self._owned: set[str] = set()
        self._since: dict[str, int] = {}
        self._lease = Lease(lease_s)
        self.watch = NodeWatch(alive, CUTOFF_S)

    def start(self) -> None:
        self.watch.start()

    def stop(self, timeout_s: float) -> None:
        self.watch.stop(min(timeout_s, WATCH_STOP_S))

    def renew(self, owned: Iterable[str]) -> None:
        """The controller's lease renewal, with the cameras it lists as the agent's."""
        with self._lock:
            self._lease.renew()
            self._owned = set(owned)

    def take(self, camera_id: str, since: int) -> None:
        """The controller starts ``camera_id`` here (it is reachable: the lease is renewed); its
        run starts after event ``since``."""
        with self._lock:
            self._lease.renew()
            self._owned.add(camera_id)
            self._since[camera_id] = since

    def release(self, camera_id: str) -> None:
        with self._lock:
            self._owned.discard(camera_id)
            self._since.pop(camera_id, None)

    def since(self, running: Iterable[str]) -> dict[str, int]:
        """Each of the ``running`` cameras with the seq its run started after."""
        with self._lock:
            return {c: self._since[c] for c in running if c in self._since}

    def fenced_why(self) -> str | None:
        """Why the agent may run no camera at all, if so."""
        if self.watch.cut_off:
            return "its node is dead or cut off from the cluster"
        if self._lease.expired:
            return "the controller has not renewed its lease"
        return None

    def strays(self, running: Iterable[str]) -> list[str]:
        """Of the ``running`` cameras, those the agent may no longer run: not owned, or all when
        fenced."""
        fenced = self.fenced_why() is not None
        with self._lock:
            owned = set() if fenced else set(self._owned)
        return [c for c in running if c not in owned]

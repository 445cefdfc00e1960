"""How a node agent stops writing for cameras it no longer owns.

Ray restarts a lost node's cameras elsewhere, but a node cut off from the cluster (its raylet
dead, its machine unreachable) can keep its worker processes, and their camera threads, running:
they would go on writing events for cameras that now run on another node. So an agent holds its
cameras on a :class:`Lease` that the controller renews every second; when the lease runs out, or
the controller no longer lists a camera as the agent's, the agent fences the camera
(:class:`FencedEvents` drops whatever it still emits, the tracks it ends on stopping included:
the controller ends them, with reason ``node_lost``) and stops it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from events import Event, EventSink, Evidence


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

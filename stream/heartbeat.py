"""Liveness of the service's long-lived threads: alive, and coming round its loop in time.

Each thread owner keeps a :class:`Heartbeat`, runs its loop through :meth:`Heartbeat.guard` and
calls :meth:`Heartbeat.beat` every time round, saying how long the wait or call it is about to
start may take. A thread whose loop raised is ``dead``; one alive but past its due beat is
``stalled``. Readiness and metrics read :meth:`Heartbeat.health`. It lives in ``stream``, the
lowest layer, because every thread owner (stream, runtime, storage, delivery) may import it.
"""

from __future__ import annotations

import enum
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from stream.clock import SYSTEM_CLOCK, Clock

log = logging.getLogger(__name__)

STALL_AFTER_S = 30.0
"""A loop that has not come round this long past what its last beat announced is stuck."""
ERROR_CHARS = 300


class ThreadState(enum.Enum):
    NOT_STARTED = "not started"
    RUNNING = "running"
    STALLED = "stalled"
    """Alive, but its loop did not come round in time (blocked or spinning inside one step)."""
    DEAD = "dead"
    """Its loop raised: whatever it did has stopped."""
    ENDED = "ended"
    """Returned normally (stopped, or finished its work)."""


@dataclass(frozen=True, slots=True)
class ThreadHealth:
    name: str
    state: ThreadState
    beat_age_s: float
    """Seconds since the last beat (0 before the first)."""
    error: str | None = None
    """Why a dead thread died."""

    @property
    def ok(self) -> bool:
        return self.state not in (ThreadState.STALLED, ThreadState.DEAD)


class Heartbeat:
    """One thread's liveness; ``stall_after_s`` is the grace added to every beat's own wait,
    measured on ``clock``."""

    def __init__(
        self, name: str, stall_after_s: float = STALL_AFTER_S, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.name = name
        self.stall_after_s = stall_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last = 0.0
        self._due = math.inf
        self._started = False
        self._ended = False
        self._error: str | None = None

    def beat(self, busy_s: float = 0.0) -> None:
        """The loop came round; the next beat may take ``busy_s`` (a wait about to start; inf for
        an idle wait for work) plus the grace."""
        now = self._clock.monotonic()
        wait = busy_s if busy_s >= 0 else 0.0  # NaN and negatives count as no wait
        with self._lock:
            self._last = now
            self._due = now + wait + self.stall_after_s

    def guard(self, target: Callable[[], None]) -> Callable[[], None]:
        """``target`` as a thread body that records how it ended; an exception is logged with its
        traceback and kept (the thread ends ``dead``), never lost to ``threading.excepthook``."""

        def run() -> None:
            with self._lock:
                self._started = True
            self.beat()
            try:
                target()
            except BaseException as error:
                with self._lock:
                    self._error = f"{type(error).__name__}: {error}"[:ERROR_CHARS]
                log.critical("thread %s died", self.name, exc_info=True)
            finally:
                with self._lock:
                    self._ended = True

        return run

    def health(self) -> ThreadHealth:
        now = self._clock.monotonic()
        with self._lock:
            age = now - self._last if self._started else 0.0
            if not self._started:
                state = ThreadState.NOT_STARTED
            elif self._error is not None:
                state = ThreadState.DEAD
            elif self._ended:
                state = ThreadState.ENDED
            elif now > self._due:
                state = ThreadState.STALLED
            else:
                state = ThreadState.RUNNING
            return ThreadHealth(self.name, state, age, self._error)

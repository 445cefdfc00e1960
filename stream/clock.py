"""The clock that rate, stall, backoff and deadline logic reads, injectable for tests.

Code that decides by elapsed time (a heartbeat's stall, a recovery wait, a session's connect
deadline) takes a :class:`Clock` and defaults to :data:`SYSTEM_CLOCK`; a test passes a clock it
moves by hand, and checks in microseconds what would otherwise take seconds of real sleeping.
It lives in ``stream``, the lowest layer, so that everything above may import it.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (only differences mean anything)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()

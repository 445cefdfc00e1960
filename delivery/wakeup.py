"""How a delivery thread waits: for new rows (a hint from the writer, or a poll as fallback),
for a row's next attempt, or for ``stop``."""

from __future__ import annotations

import threading
import time


class Wakeup:
    """A hint flag and a stop flag under one condition."""

    def __init__(self, poll_interval_s: float) -> None:
        self.poll_interval_s = poll_interval_s
        self.cond = threading.Condition()
        self._hinted = False
        self.stopping = False

    def hint(self) -> None:
        """New rows may be there (called by the writer's listener, or a retry)."""
        with self.cond:
            self._hinted = True
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    def clear(self) -> bool:
        """Forget the hint before reading the outbox (a later hint is not lost); False once
        stopping."""
        with self.cond:
            self._hinted = False
            return not self.stopping

    def idle(self, timeout_s: float | None = None) -> bool:
        """Wait for a hint, ``stop`` or the poll interval; False once stopping."""
        wait = self.poll_interval_s if timeout_s is None else timeout_s
        with self.cond:
            self.cond.wait_for(lambda: self._hinted or self.stopping, wait)
            return not self.stopping

    def until(self, wall_time: float) -> bool:
        """Wait until ``time.time()`` reaches ``wall_time`` (hints do not cut it short); False
        once stopping."""
        with self.cond:
            while not self.stopping:
                remaining = wall_time - time.time()
                if remaining <= 0:
                    return True
                self.cond.wait(min(remaining, self.poll_interval_s))
            return False

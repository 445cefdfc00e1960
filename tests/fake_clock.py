"""A :class:`stream.clock.Clock` that moves only when told: tests of time-driven logic run in
microseconds and never depend on how busy the machine is."""

from __future__ import annotations


class FakeClock:
    """Monotonic seconds from 0; :meth:`sleep` and :meth:`advance` move them."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self.now += seconds

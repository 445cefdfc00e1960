"""Waiting out a camera's backoff, cut short when a probe finds its server back.

A camera whose server returns should not sleep the rest of a backoff delay that may be many
seconds long: while it waits, a cheap probe (:mod:`stream.probe`) runs every ``interval_s``, and
the first one that succeeds ends the wait, so the full open starts within about one interval of
the server's return.

Backoff still protects a flapping source: when a full open that followed a probe's success
brings no frame (the server answers probes but cannot stream), the next wait is served in full,
without probes. The delays keep growing either way, so such a source is opened at most about
twice per backoff delay.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from stream.clock import SYSTEM_CLOCK, Clock


class Probe(Protocol):
    def __call__(self, timeout_s: float) -> bool:
        """True if the source looks reachable; may take up to ``timeout_s``."""
        ...


class WaitOutcome(StrEnum):
    ELAPSED = "elapsed"
    """The whole delay passed."""
    SOURCE_BACK = "source back"
    """A probe succeeded before the delay passed."""
    STOPPED = "stopped"


class RecoveryWait:
    """Backoff waits of one camera. ``sleep(seconds)`` sleeps and returns True when the camera
    was stopped meanwhile (``threading.Event.wait``); ``clock`` tells the time."""

    def __init__(
        self,
        interval_s: float,
        *,
        sleep: Callable[[float], bool],
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """``interval_s`` between probes; 0 disables them (every wait is served in full)."""
        self.interval_s = interval_s
        self.probes = 0
        """Probes run so far."""
        self._sleep = sleep
        self._clock = clock
        self._trust_probes = True
        self._cut_short = False

    @property
    def probing(self) -> bool:
        """Whether the next wait will probe (given a probe)."""
        return self.interval_s > 0 and self._trust_probes

    def attempt_ended(self, *, delivered: bool) -> None:
        """Report how the connection attempt after the last wait went: ``delivered`` if it
        brought at least one frame. An attempt that followed a probe's success and brought none
        makes the next wait a full one."""
        self._trust_probes = delivered or not self._cut_short
        self._cut_short = False

    def wait(self, delay_s: float, probe: Probe | None) -> WaitOutcome:
        """Wait ``delay_s``, probing every ``interval_s`` when a probe is given and trusted."""
        end = self._clock.monotonic() + delay_s
        probing = probe is not None and self.probing
        while True:
            left = end - self._clock.monotonic()
            if left <= 0:
                return WaitOutcome.ELAPSED
            if self._sleep(min(self.interval_s, left) if probing else left):
                return WaitOutcome.STOPPED
            left = end - self._clock.monotonic()
            if not probing or probe is None or left <= 0:
                continue
            self.probes += 1
            if probe(left):
                self._cut_short = True
                return WaitOutcome.SOURCE_BACK

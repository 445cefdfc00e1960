"""Exponential backoff with jitter for reconnecting cameras."""

from __future__ import annotations

import math
import random

MIN_DELAY_S = 0.05
MAX_DELAY_S = 300.0
"""The most :meth:`Backoff.bounded` ever waits: a camera is retried at least every 5 minutes."""


class Backoff:
    """Delays of ``initial * 2**n``, capped, each spread by ±``jitter`` so cameras do not retry
    in lockstep. :meth:`reset` after a stable period starts again from ``initial``."""

    def __init__(
        self,
        initial_s: float,
        cap_s: float,
        *,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 < initial_s <= cap_s:
            raise ValueError("backoff needs 0 < initial_s <= cap_s")
        self.initial_s = initial_s
        self.cap_s = cap_s
        self._jitter = jitter
        self._rng = rng or random.Random()
        self._attempt = 0

    @classmethod
    def bounded(
        cls, initial_s: float, cap_s: float, *, rng: random.Random | None = None
    ) -> Backoff:
        """A backoff for settings nobody checked: values clamped into [``MIN_DELAY_S``,
        ``MAX_DELAY_S``] (NaN counts as the minimum), the cap never below the start, so that no
        delay can overflow a wait or spin a retry loop."""
        initial = _clamp(initial_s)
        return cls(initial, max(initial, _clamp(cap_s)), rng=rng)

    @property
    def attempt(self) -> int:
        """Retries since the last reset."""
        return self._attempt

    def next_delay(self) -> float:
        """The delay before the next attempt; each call counts one attempt."""
        base = min(self.cap_s, self.initial_s * 2.0 ** min(self._attempt, 32))
        self._attempt += 1
        spread = base * self._jitter
        return min(self.cap_s, max(0.0, base + self._rng.uniform(-spread, spread)))

    def reset(self) -> None:
        self._attempt = 0


def _clamp(seconds: float) -> float:
    if math.isnan(seconds):
        return MIN_DELAY_S
    return min(MAX_DELAY_S, max(MIN_DELAY_S, seconds))

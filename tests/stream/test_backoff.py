from __future__ import annotations

import math
import random

import pytest

from stream.backoff import MAX_DELAY_S, MIN_DELAY_S, Backoff


def test_delays_double_from_half_a_second_up_to_the_cap() -> None:
    backoff = Backoff(0.5, 10.0, jitter=0.0)
    assert [backoff.next_delay() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff.attempt == 7


def test_jitter_spreads_delays_but_never_past_the_cap() -> None:
    delays = []
    for seed in range(50):
        backoff = Backoff(0.5, 10.0, jitter=0.2, rng=random.Random(seed))
        delays.append([backoff.next_delay() for _ in range(8)])
    firsts = {round(d[0], 6) for d in delays}
    assert len(firsts) > 40 and min(firsts) >= 0.4 and max(firsts) <= 0.6
    assert max(max(d) for d in delays) <= 10.0


def test_reset_starts_again_from_the_first_delay() -> None:
    backoff = Backoff(0.5, 4.0, jitter=0.0)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_rejects_a_cap_below_the_start() -> None:
    with pytest.raises(ValueError):
        Backoff(2.0, 1.0)


@pytest.mark.parametrize(
    ("initial_s", "cap_s"),
    [(1e300, 1e300), (math.inf, math.inf), (math.nan, math.nan), (5e-324, 5e-324), (-1.0, 0.0)],
)
def test_bounded_delays_never_overflow_a_wait_or_spin(initial_s: float, cap_s: float) -> None:
    """Unchecked settings: 1e300 overflowed Event.wait, NaN and 5e-324 made a busy loop."""
    backoff = Backoff.bounded(initial_s, cap_s, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(40)]
    assert all(MIN_DELAY_S * 0.8 <= d <= MAX_DELAY_S for d in delays), delays

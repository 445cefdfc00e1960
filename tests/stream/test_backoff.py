from __future__ import annotations

import random

import pytest

from stream.backoff import Backoff


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

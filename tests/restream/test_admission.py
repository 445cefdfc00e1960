"""Admission on a hand-moved clock: caps, and when a refused caller may retry."""

from __future__ import annotations

import pytest

from restream.admission import Admission, CallerLimitError, SessionLimitError, SessionLimits
from tests.fake_clock import FakeClock

LIMITS = SessionLimits(max_sessions=3, per_caller=2, pending_per_caller=1, connect_timeout_s=10.0)


def test_a_caller_with_a_pending_session_retries_when_its_deadline_passes() -> None:
    clock = FakeClock(start=100.0)
    admission = Admission("viewer", LIMITS, clock=clock)
    slot = admission.take("a")
    assert slot.deadline == 110.0
    clock.advance(4.0)
    with pytest.raises(CallerLimitError) as refused:
        admission.take("a")
    assert refused.value.retry_after_s == pytest.approx(6.0) and refused.value.retry_after == 6
    assert admission.refused_caller == 1
    slot.connected = True  # connected: its place no longer counts as pending
    second = admission.take("a")
    second.connected = True
    with pytest.raises(CallerLimitError, match="already has 2 viewer sessions"):
        admission.take("a")
    assert admission.taken == 2 and admission.pending == 0


def test_a_full_server_says_when_its_first_pending_slot_ends() -> None:
    clock = FakeClock()
    admission = Admission("publisher", LIMITS, clock=clock)
    first = admission.take("a")
    first.connected = True
    clock.advance(3.0)
    admission.take("b")  # pending until 13.0
    clock.advance(2.5)
    admission.take("c")  # pending until 15.5
    clock.advance(1.0)
    with pytest.raises(SessionLimitError) as refused:
        admission.take("d")
    assert type(refused.value) is SessionLimitError and admission.refused_full == 1
    assert refused.value.retry_after_s == pytest.approx(13.0 - 6.5)
    admission.free(first)
    assert admission.take("d").deadline == pytest.approx(16.5)

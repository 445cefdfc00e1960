"""RecoveryWait on a simulated clock: probes end a backoff wait early, and cannot defeat backoff."""

from __future__ import annotations

import random

import pytest

from stream.backoff import Backoff
from stream.recovery import RecoveryWait, WaitOutcome
from tests.fake_clock import FakeClock as HandClock


class FakeClock(HandClock):
    """Monotonic seconds that move only when someone sleeps or a probe takes time."""

    def __init__(self) -> None:
        super().__init__()
        self.stop_at = float("inf")

    def wait(self, seconds: float) -> bool:
        """``threading.Event.wait``: True once the camera has been stopped."""
        self.now = min(self.now + seconds, max(self.now, self.stop_at))
        return self.now >= self.stop_at


class FakeServer:
    """A source that answers probes from ``back_at`` on; each probe takes 10 ms."""

    def __init__(self, clock: FakeClock, back_at: float) -> None:
        self.clock = clock
        self.back_at = back_at
        self.probed_at: list[float] = []

    def probe(self, timeout_s: float) -> bool:
        self.clock.now += min(0.01, timeout_s)
        self.probed_at.append(self.clock.now)
        return self.clock.now >= self.back_at


def test_a_probe_that_succeeds_ends_a_long_wait_within_one_interval() -> None:
    clock = FakeClock()
    server = FakeServer(clock, back_at=3.0)
    recovery = RecoveryWait(0.25, sleep=clock.wait, clock=clock)
    assert recovery.wait(10.0, server.probe) is WaitOutcome.SOURCE_BACK
    assert 3.0 <= clock.now <= 3.0 + 0.25 + 0.01
    assert recovery.probes == len(server.probed_at) >= 12


def test_without_a_probe_or_with_probes_off_the_whole_delay_is_slept() -> None:
    clock = FakeClock()
    server = FakeServer(clock, back_at=0.0)
    assert RecoveryWait(0.25, sleep=clock.wait, clock=clock).wait(4.0, None) is WaitOutcome.ELAPSED
    assert clock.now == 4.0
    off = RecoveryWait(0.0, sleep=clock.wait, clock=clock)
    assert off.wait(4.0, server.probe) is WaitOutcome.ELAPSED
    assert clock.now == 8.0 and server.probed_at == [] and off.probes == 0


def test_a_source_still_down_is_opened_when_the_delay_ends() -> None:
    clock = FakeClock()
    server = FakeServer(clock, back_at=float("inf"))
    recovery = RecoveryWait(0.3, sleep=clock.wait, clock=clock)
    assert recovery.wait(2.0, server.probe) is WaitOutcome.ELAPSED
    assert clock.now == pytest.approx(2.0)
    assert all(at <= 2.0 for at in server.probed_at)  # never past the delay


def test_stop_ends_the_wait() -> None:
    clock = FakeClock()
    clock.stop_at = 1.1
    server = FakeServer(clock, back_at=float("inf"))
    recovery = RecoveryWait(0.25, sleep=clock.wait, clock=clock)
    assert recovery.wait(30.0, server.probe) is WaitOutcome.STOPPED
    assert clock.now == pytest.approx(1.1)


def _simulate(recovery: RecoveryWait, clock: FakeClock, server: FakeServer, seconds: float) -> int:
    """A camera whose full opens all fail (0.1 s each) while probes succeed; its open count."""
    backoff = Backoff(0.5, 10.0, rng=random.Random(3))
    opens = 0
    while clock.now < seconds:
        recovery.attempt_ended(delivered=False)
        recovery.wait(backoff.next_delay(), server.probe)
        clock.now += 0.1  # the full open, failing
        opens += 1
    return opens


def test_a_source_that_answers_probes_but_never_streams_is_still_opened_with_backoff() -> None:
    """Flapping: probes succeed, opens fail. Each open that followed a probe's success and
    failed makes the next wait a full one, so opens grow apart as the backoff grows."""
    clock = FakeClock()
    server = FakeServer(clock, back_at=0.0)
    recovery = RecoveryWait(0.25, sleep=clock.wait, clock=clock)
    opens = _simulate(recovery, clock, server, seconds=120.0)
    # Backoff alone: 0.5, 1, 2, 4, 8, then 10 s => about 16 opens in 120 s; probes may at most
    # double that. Without the guard, probes every 0.25 s would open ~340 times.
    assert opens <= 2 * 16 + 2
    clock_alone = FakeClock()
    alone = _simulate(
        RecoveryWait(0.0, sleep=clock_alone.wait, clock=clock_alone),
        clock_alone,
        FakeServer(clock_alone, back_at=0.0),
        seconds=120.0,
    )
    assert alone < opens <= 2 * alone + 2


def test_an_open_that_brings_frames_trusts_probes_again() -> None:
    clock = FakeClock()
    server = FakeServer(clock, back_at=0.0)
    recovery = RecoveryWait(0.25, sleep=clock.wait, clock=clock)
    recovery.attempt_ended(delivered=False)
    assert recovery.wait(8.0, server.probe) is WaitOutcome.SOURCE_BACK
    recovery.attempt_ended(delivered=False)  # that open failed: serve the next wait in full
    start = clock.now
    assert recovery.wait(8.0, server.probe) is WaitOutcome.ELAPSED
    assert clock.now - start == pytest.approx(8.0)
    recovery.attempt_ended(delivered=False)  # after a full wait, probes may cut the next one
    assert recovery.wait(8.0, server.probe) is WaitOutcome.SOURCE_BACK
    recovery.attempt_ended(delivered=True)  # it streamed, then dropped: a new outage
    assert recovery.wait(8.0, server.probe) is WaitOutcome.SOURCE_BACK

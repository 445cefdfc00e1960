"""Heartbeat on a hand-moved clock: when a loop counts as stalled, and when it recovers."""

from __future__ import annotations

import math
import threading

from stream.heartbeat import Heartbeat, ThreadState
from tests.fake_clock import FakeClock


def _run(heartbeat: Heartbeat, body: threading.Event | None = None) -> threading.Thread:
    """Start a thread whose loop is ``heartbeat``-guarded and waits on ``body`` (if given)."""

    def target() -> None:
        if body is not None:
            body.wait(30)

    thread = threading.Thread(target=heartbeat.guard(target), name="heartbeat-test")
    thread.start()
    return thread


def test_a_loop_is_stalled_only_past_its_announced_wait_plus_the_grace() -> None:
    clock = FakeClock()
    heartbeat = Heartbeat("loop", stall_after_s=30.0, clock=clock)
    release = threading.Event()
    thread = _run(heartbeat, release)
    try:
        heartbeat.beat(busy_s=5.0)  # about to wait 5 s
        clock.advance(34.9)
        health = heartbeat.health()
        assert health.state is ThreadState.RUNNING and health.beat_age_s == 34.9
        clock.advance(0.2)
        health = heartbeat.health()
        assert health.state is ThreadState.STALLED and not health.ok
        heartbeat.beat()  # it came round: running again, due in the grace alone
        assert heartbeat.health().state is ThreadState.RUNNING
        clock.advance(30.1)
        assert heartbeat.health().state is ThreadState.STALLED
    finally:
        release.set()
        thread.join()
    assert heartbeat.health().state is ThreadState.ENDED


def test_an_idle_wait_for_work_never_stalls_and_bad_waits_count_as_none() -> None:
    clock = FakeClock()
    heartbeat = Heartbeat("idle", stall_after_s=1.0, clock=clock)
    release = threading.Event()
    thread = _run(heartbeat, release)
    try:
        heartbeat.beat(busy_s=math.inf)
        clock.advance(1e9)
        assert heartbeat.health().state is ThreadState.RUNNING
        for bad in (math.nan, -5.0):
            heartbeat.beat(busy_s=bad)
            clock.advance(1.01)
            assert heartbeat.health().state is ThreadState.STALLED
    finally:
        release.set()
        thread.join()


def test_before_start_a_thread_is_not_started_and_a_raising_loop_is_dead() -> None:
    clock = FakeClock()
    heartbeat = Heartbeat("dies", clock=clock)
    clock.advance(100.0)
    health = heartbeat.health()
    assert health.state is ThreadState.NOT_STARTED and health.beat_age_s == 0.0 and health.ok

    def broken() -> None:
        raise RuntimeError("boom")

    thread = threading.Thread(target=heartbeat.guard(broken), name="heartbeat-dies")
    thread.start()
    thread.join()
    health = heartbeat.health()
    assert health.state is ThreadState.DEAD and health.error == "RuntimeError: boom"

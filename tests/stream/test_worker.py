"""The worker base class: one start, a stop that wakes the loop and keeps its deadline, a thread
that ignores the stop reported (once) instead of hanging the caller, a crash kept in health."""

from __future__ import annotations

import logging
import threading

import pytest

from stream.heartbeat import ThreadState
from stream.worker import Worker
from tests.waiting import wait_until

GENEROUS_S = 60.0
"""Far longer than any stop takes, far shorter than the loops' own waits: a slow machine passes,
a loop that does not wake fails."""


class Sleeper(Worker):
    """Beats, then sleeps an hour at a time until stopped."""

    def __init__(self) -> None:
        super().__init__("test-sleeper")
        self.rounds = 0
        self.woken_by_stop: bool | None = None

    def run(self) -> None:
        while not self.stopping:
            self.rounds += 1
            self.heartbeat.beat(3600)
            self.woken_by_stop = self.wait(3600)


class Stubborn(Worker):
    """Waits on its own event and never looks at the stop."""

    def __init__(self, *, wakes: bool = False) -> None:
        super().__init__("test-stubborn")
        self.release = threading.Event()
        self.entered = threading.Event()
        self._wakes = wakes

    def run(self) -> None:
        self.entered.set()
        self.heartbeat.beat(3600)
        self.release.wait(3600)

    def wake(self) -> None:
        if self._wakes:
            self.release.set()


class Crashing(Worker):
    def __init__(self) -> None:
        super().__init__("test-crashing")

    def run(self) -> None:
        raise ValueError("the loop broke")


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate()]


def test_a_worker_starts_once_and_stop_wakes_its_wait() -> None:
    worker = Sleeper()
    assert worker.heartbeat.health().state is ThreadState.NOT_STARTED
    worker.start()
    with pytest.raises(RuntimeError, match="already started"):
        worker.start()
    wait_until(lambda: worker.rounds == 1, GENEROUS_S)
    assert "trackcast-test-sleeper" in _threads()
    assert worker.heartbeat.health().state is ThreadState.RUNNING
    assert worker.running and not worker.stopping
    assert worker.stop(GENEROUS_S)
    assert worker.woken_by_stop is True  # wait() returned early, saying why
    assert worker.rounds == 1
    assert not worker.running and "trackcast-test-sleeper" not in _threads()
    assert worker.heartbeat.health().state is ThreadState.ENDED
    assert worker.error is None
    assert worker.stop(GENEROUS_S)  # stopping again is harmless


def test_a_worker_never_started_stops_at_once() -> None:
    worker = Sleeper()
    assert worker.stop(0) and worker.join(0)
    assert worker.stopping and not worker.started


def test_the_wake_hook_interrupts_what_the_loop_waits_on() -> None:
    worker = Stubborn(wakes=True)
    worker.start()
    assert worker.entered.wait(GENEROUS_S)
    assert worker.stop(GENEROUS_S)
    assert worker.heartbeat.health().state is ThreadState.ENDED


def test_a_loop_that_ignores_stop_is_reported_once_and_never_hangs_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Stubborn()
    worker.start()
    assert worker.entered.wait(GENEROUS_S)
    with caplog.at_level(logging.WARNING, logger="stream.worker"):
        assert worker.stop(0.05) is False
        assert worker.stop(0.05) is False
        assert worker.join(0.01) is False
    late = [r for r in caplog.records if "did not stop" in r.getMessage()]
    assert len(late) == 1
    assert "trackcast-test-stubborn" in late[0].getMessage()
    assert worker.running
    worker.release.set()  # its step returns: the thread ends on its own
    assert worker.join(GENEROUS_S)
    assert worker.heartbeat.health().state is ThreadState.ENDED


def test_an_exception_is_logged_kept_and_shown_as_a_dead_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Crashing()
    with caplog.at_level(logging.CRITICAL, logger="stream.heartbeat"):
        worker.start()
        assert worker.join(GENEROUS_S)
    assert isinstance(worker.error, ValueError)
    health = worker.heartbeat.health()
    assert health.state is ThreadState.DEAD and not health.ok
    assert health.error == "ValueError: the loop broke"
    (record,) = [r for r in caplog.records if "test-crashing" in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[0] is ValueError  # with traceback
    assert worker.stop(GENEROUS_S)


def test_a_loop_that_stops_itself_does_not_join_its_own_thread() -> None:
    outcome: list[bool] = []

    class SelfStopping(Worker):
        def run(self) -> None:
            outcome.append(self.stop(GENEROUS_S))

    worker = SelfStopping("test-self-stopping")
    worker.start()
    assert worker.join(GENEROUS_S)
    assert outcome == [False] and worker.stopping

"""The agent's lease and the event fence."""

from __future__ import annotations

from cluster.fencing import FencedEvents, Lease, NodeWatch
from events import Event, Evidence
from tests.fake_clock import FakeClock


def test_a_lease_runs_out_unless_renewed() -> None:
    clock = FakeClock()
    lease = Lease(4.0, clock.monotonic)
    clock.advance(3.0)
    assert not lease.expired and lease.left_s() == 1.0
    lease.renew()
    clock.advance(3.5)
    assert not lease.expired
    clock.advance(0.5)
    assert lease.expired and lease.left_s() == 0.0


class Sink:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        self.events.append(event)


def test_a_fenced_cameras_events_are_dropped_and_counted_until_it_is_admitted() -> None:
    sink = Sink()
    fence = FencedEvents(sink)
    events = {camera: Event(type="track.started", camera_id=camera, time=1.0) for camera in "ab"}
    fence.fence(["a"])
    fence.emit(events["a"])
    fence.emit(events["b"])
    assert sink.events == [events["b"]] and fence.dropped == 1
    assert fence.fenced("a") and not fence.fenced("b")
    fence.admit("a")
    fence.emit(events["a"])
    assert sink.events == [events["b"], events["a"]] and fence.dropped == 1


def test_a_node_watch_cuts_off_when_ray_says_dead_or_cannot_say_alive_for_long() -> None:
    clock = FakeClock()
    answers: list[bool | None] = [True, None, None, True, False, True]

    def alive() -> bool:
        answer = answers.pop(0)
        if answer is None:
            raise ConnectionError("the control store does not answer")
        return answer

    watch = NodeWatch(alive, cutoff_s=4.0, clock=clock.monotonic)
    watch.check()
    clock.advance(3.0)
    watch.check()  # cannot learn: not cut off yet
    assert not watch.cut_off
    clock.advance(1.5)
    watch.check()
    assert watch.cut_off  # 4.5 s without learning it is alive
    watch.check()
    assert not watch.cut_off  # alive again: back
    watch.check()
    assert watch.cut_off  # dead, for good
    watch.check()
    assert watch.cut_off

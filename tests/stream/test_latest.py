from __future__ import annotations

import threading
import time

from stream.latest import LatestSlot


def test_keeps_only_the_newest_and_counts_what_it_dropped() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for value in range(5):
        slot.put(value)
    assert slot.take(0) == 4
    assert (slot.put_count, slot.dropped_count, slot.taken_count) == (5, 4, 1)
    assert slot.take(0.01) is None  # nothing newer yet


def test_take_waits_for_a_put_from_another_thread() -> None:
    slot: LatestSlot[str] = LatestSlot()
    threading.Timer(0.05, slot.put, args=("frame",)).start()
    started = time.monotonic()
    assert slot.take(2.0) == "frame"
    assert time.monotonic() - started < 1.0


def test_close_wakes_a_waiting_take() -> None:
    slot: LatestSlot[int] = LatestSlot()
    threading.Timer(0.05, slot.close).start()
    started = time.monotonic()
    assert slot.take(5.0) is None
    assert time.monotonic() - started < 1.0

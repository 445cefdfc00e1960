"""Broadcast: every subscriber gets the newest value; what a slow one skips is counted, also after
it left."""

from __future__ import annotations

from runtime.broadcast import Broadcast


def test_values_a_slow_subscriber_skips_are_counted_while_and_after_it_subscribes() -> None:
    broadcast: Broadcast[int] = Broadcast()
    fast, slow = broadcast.subscribe(), broadcast.subscribe()
    for value in range(1, 5):
        broadcast.publish(value)
        assert fast.take_nowait() == value
    assert slow.take_nowait() == 4  # the newest; 1, 2 and 3 were replaced unseen
    assert broadcast.skipped() == 3
    broadcast.unsubscribe(slow)
    assert slow.closed and broadcast.subscriber_count() == 1
    broadcast.publish(5)
    broadcast.publish(6)  # fast did not take 5
    assert broadcast.skipped() == 4
    broadcast.close()
    assert fast.closed and broadcast.skipped() == 4

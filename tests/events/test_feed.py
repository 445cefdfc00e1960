"""EventFeed: thread to asyncio fan-out with bounded queues per subscriber."""

from __future__ import annotations

import asyncio
import threading

import pytest

from events import Event, StoredEvent
from events.feed import EventFeed, FeedOverflowError


def _stored(seq: int, camera: str = "cam") -> StoredEvent:
    return StoredEvent(seq, Event(type="track.started", camera_id=camera, time=float(seq)))


def test_events_published_from_a_thread_reach_every_matching_subscriber() -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        feed = EventFeed(queue_size=100)
        everything = feed.subscribe()
        only_b = feed.subscribe(lambda s: s.event.camera_id == "b")
        publisher = threading.Thread(
            target=feed.publish, args=([_stored(i, "a" if i % 2 else "b") for i in range(1, 11)],)
        )
        publisher.start()
        publisher.join()
        got_all = [(await everything.get()).seq for _ in range(10)]
        got_b = [(await only_b.get()).seq for _ in range(5)]
        feed.unsubscribe(everything)
        feed.unsubscribe(only_b)
        assert feed.subscriber_count() == 0
        return got_all, got_b

    got_all, got_b = asyncio.run(scenario())
    assert got_all == list(range(1, 11))
    assert got_b == [2, 4, 6, 8, 10]


def test_a_subscriber_that_falls_behind_gets_what_it_holds_then_overflows() -> None:
    async def scenario() -> tuple[list[int], int]:
        feed = EventFeed(queue_size=3)
        slow = feed.subscribe()
        feed.subscribe(lambda s: s.seq == 6)  # wants one event: never overflows
        assert feed.overflows == 0
        feed.publish([_stored(i) for i in range(1, 6)])
        feed.publish([_stored(6)])  # an overflowed subscriber is not counted again
        await asyncio.sleep(0.01)  # let the loop run the hand-over
        got = [(await slow.get()).seq for _ in range(3)]
        with pytest.raises(FeedOverflowError):
            await slow.get()
        return got, feed.overflows

    assert asyncio.run(scenario()) == ([1, 2, 3], 1)

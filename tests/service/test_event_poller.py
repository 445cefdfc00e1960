"""EventPoller: what other processes store reaches this process's live feeds, in seq order,
once each, a full page included; a failing database is reported and retried."""

from __future__ import annotations

import asyncio
from pathlib import Path

from config import AppConfig
from events import ClipState, Event
from events.feed import EventFeed
from service import build_service
from service.event_poller import PAGE, EventPoller
from storage import EventStore, migrate, open_database
from storage.health import StorageHealth, StoragePart
from tests.waiting import scaled


def _events(camera: str, count: int) -> list[tuple[Event, str | None]]:
    return [
        (Event(type="track.started", camera_id=camera, time=float(i)), None) for i in range(count)
    ]


def test_events_stored_elsewhere_reach_the_feed_once_each_in_order(tmp_path: Path) -> None:
    store = EventStore(open_database(f"sqlite:///{tmp_path / 'events.db'}"))
    migrate(store.engine)
    store.insert(_events("before", 3))  # already stored when it starts: not published
    feed = EventFeed(queue_size=2 * PAGE + 10)
    health = StorageHealth()
    poller = EventPoller(store, feed.publish, interval_s=0.05, health=health)

    async def scenario() -> list[tuple[int, str]]:
        subscription = feed.subscribe()
        assert poller.poll_once() == 0  # the first poll notes where storage is
        poller.start()
        try:
            store.insert(_events("a", 2))
            store.insert(_events("b", PAGE + 1))  # more than a page at once
            await asyncio.sleep(0.3)
            store.insert(_events("c", 1))  # what comes next is this: nothing came twice
            got = []
            for _ in range(PAGE + 4):
                stored = await asyncio.wait_for(subscription.get(), scaled(30))
                got.append((stored.seq, stored.event.camera_id))
            return got
        finally:
            assert poller.stop(scaled(10))

    got = asyncio.run(scenario())
    assert [seq for seq, _ in got] == list(range(4, 4 + PAGE + 4))
    assert [camera for _, camera in got[:3]] == ["a", "a", "b"] and got[-1][1] == "c"
    assert poller.published == PAGE + 4
    assert health.failure(StoragePart.FEED) is None
    store.engine.dispose()


def test_a_replica_that_starts_leaves_the_nodes_pending_clips_alone(tmp_path: Path) -> None:
    """A single-process start settles its last run's pending clips; a cluster replica (a service
    with an event poller) must not: the nodes' running cameras are still writing them."""
    config = AppConfig.model_validate({"data_dir": str(tmp_path / "data"), "auth": {"open": True}})
    replica, single = build_service(config), build_service(config)
    replica.store.keep_clips(lambda _: True)
    (pending,) = replica.store.insert(_events("door", 1))
    replica.event_poller = EventPoller(replica.store, replica.feed.publish, 0.05, StorageHealth())
    replica.start()
    assert replica.stop(scaled(15))
    clip = replica.store.get(pending.event.id)
    assert clip is not None and clip.clip is not None and clip.clip.state is ClipState.PENDING
    single.start()
    assert single.stop(scaled(15))
    clip = single.store.get(pending.event.id)
    assert clip is not None and clip.clip is not None and clip.clip.state is ClipState.FAILED

"""EventWriter: many emitting threads, batches, listeners, drain on stop, DB outages."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from analytics.counts import CountRow
from events import Event, Evidence, StoredEvent
from storage import EventQuery, EventStore, EventWriter, ThumbnailStore


def _event(n: int) -> Event:
    return Event(type="track.started", camera_id=f"c{n % 4}", time=float(n), data={"n": n})


def test_events_from_many_threads_are_written_once_in_seq_order(
    store: EventStore, tmp_path: Path
) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path), batch_size=50, flush_interval_s=0.05)
    heard: list[StoredEvent] = []
    writer.add_listener(heard.extend)
    writer.start()

    def emit_range(start: int) -> None:
        for n in range(start, 1000, 4):
            writer.emit(_event(n))

    threads = [threading.Thread(target=emit_range, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert writer.stop(timeout_s=30)
    stored = store.query(EventQuery(limit=2000))
    assert sorted(s.event.data["n"] for s in stored) == list(range(1000))
    assert [s.seq for s in heard] == [s.seq for s in stored]
    assert writer.emitted == writer.written == 1000 and writer.dropped == 0


def test_stop_writes_everything_still_queued(store: EventStore, tmp_path: Path) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path), flush_interval_s=5.0)
    writer.start()
    frame = np.zeros((48, 64, 3), dtype=np.uint8)
    for n in range(30):
        writer.emit(_event(n), Evidence(frame, (1, 1, 10, 10)))
    assert writer.stop(timeout_s=30)
    stored = store.query(EventQuery(limit=100))
    assert len(stored) == 30 and all(s.thumbnail for s in stored)


def test_a_full_queue_drops_and_counts_after_a_bounded_wait(
    store: EventStore, tmp_path: Path
) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path), queue_size=2)  # not started: no reader
    writer.emit(_event(1))
    writer.emit(_event(2))
    started = time.monotonic()
    writer.emit(_event(3))
    assert 0.9 <= time.monotonic() - started < 3
    assert writer.dropped == 1 and writer.emitted == 3
    assert writer.stop()  # never started: writes what it holds
    assert store.count() == 2


class FlakyStore(EventStore):
    """Fails the first ``failures`` inserts, as a database restart would."""

    def __init__(self, store: EventStore, failures: int) -> None:
        super().__init__(store.engine)
        self.failures = failures

    def insert(
        self, items: Sequence[tuple[Event, str | None]], counts: Sequence[CountRow] = ()
    ) -> list[StoredEvent]:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("database went away")
        return super().insert(items, counts)


def test_a_database_outage_delays_but_loses_nothing(store: EventStore, tmp_path: Path) -> None:
    flaky = FlakyStore(store, failures=2)
    writer = EventWriter(flaky, ThumbnailStore(tmp_path), flush_interval_s=0.05)
    writer.start()
    for n in range(10):
        writer.emit(_event(n))
    deadline = time.monotonic() + 10
    while store.count() < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert writer.stop(timeout_s=10)
    assert writer.write_errors == 2
    assert sorted(s.event.data["n"] for s in store.query(EventQuery())) == list(range(10))

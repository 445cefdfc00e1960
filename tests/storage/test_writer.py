"""EventWriter: many emitting threads, batches, listeners, drain on stop, DB outages."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from analytics.counts import CountRow
from events import Event, Evidence, StoredEvent
from storage import EventQuery, EventStore, EventWriter, ThumbnailStore
from storage.thumbnails import MAX_SIDE
from tests.blocked_store import BlockedStore
from tests.waiting import scaled


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


def test_a_full_queue_drops_and_counts_without_waiting(store: EventStore, tmp_path: Path) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path), queue_size=2)  # not started: no reader
    for n in range(5):
        writer.emit(_event(n))  # a blocking put would never return here: nothing reads
    assert writer.dropped == 3 and writer.emitted == 5
    assert writer.stop()  # never started: writes what it holds
    assert store.count() == 2


def test_a_stuck_database_never_blocks_emit(store: EventStore, tmp_path: Path) -> None:
    blocked = BlockedStore(store)
    writer = EventWriter(blocked, ThumbnailStore(tmp_path), queue_size=1, flush_interval_s=0.01)
    writer.start()
    try:
        writer.emit(_event(0))
        _wait_for(blocked.inserting.is_set)  # the writer holds event 0 in a stuck insert
        for n in range(1, 50):
            writer.emit(_event(n))  # returns at once: one queued, the rest dropped
        assert writer.dropped == 48 and writer.queue_depth() == 1
    finally:
        blocked.release.set()
    assert writer.stop(timeout_s=30)
    assert store.count() == 2 and writer.written == 2


def test_queued_events_hold_their_thumbnail_not_the_frame(
    store: EventStore, tmp_path: Path
) -> None:
    thumbnails = ThumbnailStore(tmp_path)
    writer = EventWriter(store, thumbnails)  # not started: events stay queued
    frame = np.random.default_rng(0).integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    writer.emit(_event(1), Evidence(frame, (900, 500, 1000, 700)))  # a person-sized box
    writer.emit(_event(2), Evidence(frame, None))  # no box: the whole frame, shrunk
    queued = list(writer._queue.queue)
    for _, jpeg in queued:  # the thumbnail's JPEG: a noise crop of 261x131 px is ~25 KB
        assert isinstance(jpeg, bytes) and len(jpeg) * 20 < frame.nbytes
    assert writer.stop()
    stored = store.query(EventQuery())
    assert all(s.thumbnail for s in stored) and writer.thumbnail_errors == 0
    shapes = [_image(thumbnails, s.thumbnail).shape for s in stored if s.thumbnail]
    assert shapes[0] == (261, 131, 3)  # the box plus 15 % a side
    assert max(shapes[1][:2]) == MAX_SIDE


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
    deadline = time.monotonic() + scaled(10)
    while store.count() < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert writer.stop(timeout_s=10)
    assert writer.write_errors == 2
    assert sorted(s.event.data["n"] for s in store.query(EventQuery())) == list(range(10))


class DownStore(EventStore):
    """A database that never comes back."""

    def insert(
        self, items: Sequence[tuple[Event, str | None]], counts: Sequence[CountRow] = ()
    ) -> list[StoredEvent]:
        raise ConnectionError("database is down")


def test_stop_gives_up_on_a_dead_database_in_bounded_time(
    store: EventStore, tmp_path: Path
) -> None:
    thumbnails = ThumbnailStore(tmp_path)
    writer = EventWriter(DownStore(store.engine), thumbnails, flush_interval_s=0.05)
    writer.start()
    frame = np.zeros((48, 64, 3), dtype=np.uint8)
    for n in range(5):
        writer.emit(_event(n), Evidence(frame, None))
    time.sleep(0.3)  # the first attempts fail
    started = time.monotonic()
    assert not writer.stop(timeout_s=1.0)
    assert time.monotonic() - started < 2.5
    assert writer.lost == 5 and writer.written == 0 and writer.write_errors >= 2
    assert list(tmp_path.rglob("*.jpg")) == []  # the lost events' thumbnails are gone too
    assert store.count() == 0


def test_emit_after_stop_is_an_error(store: EventStore, tmp_path: Path) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path))
    writer.start()
    assert writer.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        writer.emit(_event(1))
    assert writer.emitted == 0


def test_emits_racing_stop_are_either_refused_or_stored(store: EventStore, tmp_path: Path) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path), flush_interval_s=0.01)
    writer.start()
    refused = [0] * 4

    def emit_until_refused(worker: int) -> None:
        for n in itertools.count(worker * 1_000_000):
            try:
                writer.emit(_event(n))
            except RuntimeError:
                refused[worker] += 1
                return

    threads = [threading.Thread(target=emit_until_refused, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    assert writer.stop(timeout_s=30)
    for thread in threads:
        thread.join(5)
    assert refused == [1, 1, 1, 1]
    assert writer.emitted > 0
    assert store.count() == writer.written == writer.emitted - writer.dropped


def test_a_failing_listener_does_not_stop_the_others(store: EventStore, tmp_path: Path) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path), flush_interval_s=0.05)
    heard: list[StoredEvent] = []

    def broken(_: list[StoredEvent]) -> None:
        raise ValueError("listener bug")

    writer.add_listener(broken)
    writer.add_listener(heard.extend)
    writer.start()
    writer.emit(_event(1))
    _wait_for(lambda: len(heard) == 1)  # written within the flush interval, without stop()
    writer.emit(_event(2))
    assert writer.stop(timeout_s=10)
    assert [s.event.data["n"] for s in heard] == [1, 2]


def test_events_the_database_refuses_do_not_block_the_rest(
    store: EventStore, tmp_path: Path
) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path), flush_interval_s=0.5)
    writer.start()
    twice = _event(3)
    events = [_event(1), twice, twice, _event(4)]
    events.append(Event(type="t", camera_id="c0", time=5.0, data={"n": {5}}))  # a set: no JSON
    events.append(_event(6))
    for event in events:
        writer.emit(event)
    assert writer.stop(timeout_s=10)
    assert [s.event.data["n"] for s in store.query(EventQuery())] == [1, 3, 4, 6]
    assert writer.rejected == 2 and writer.written == 4 and writer.lost == 0


def test_bad_evidence_costs_only_the_thumbnail(store: EventStore, tmp_path: Path) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path))
    writer.start()
    writer.emit(_event(1), Evidence(np.zeros((0, 0, 3), dtype=np.uint8)))
    writer.emit(_event(2), Evidence(np.zeros((40, 40, 3), dtype=np.uint8), (5, 5, 20, 20)))
    assert writer.stop(timeout_s=10)
    thumbnails = [s.thumbnail for s in store.query(EventQuery())]
    assert thumbnails[0] is None and thumbnails[1] is not None


def _image(thumbnails: ThumbnailStore, relative: str) -> np.ndarray:
    image = cv2.imread(str(thumbnails.path(relative)))
    assert image is not None
    return image


def _wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + scaled(timeout_s)
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)

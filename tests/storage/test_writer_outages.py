"""EventWriter against storage that fails for real: a full disk (SQLite's own "database or disk
is full") and a PostgreSQL server stopped and started again. Events are held in emission order,
written once each when storage returns, and a stop while it fails ends by its deadline with a
count of what it could not keep; each outage is logged once, not once per retry."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from events import Event, Evidence
from storage import EventQuery, EventStore, EventWriter, ThumbnailStore, migrate, open_database
from storage.health import StorageHealth, StoragePart
from tests.disk_full import DiskLimit
from tests.storage.conftest import PostgresServer
from tests.waiting import wait_until

FULL = "OperationalError: database or disk is full"


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.writer.RETRY_INITIAL_S", 0.02)
    monkeypatch.setattr("storage.writer.RETRY_MAX_S", 0.1)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[tuple[EventStore, DiskLimit]]:
    engine = open_database(f"sqlite:///{tmp_path / 'full.db'}")
    migrate(engine)
    yield EventStore(engine), DiskLimit(engine)
    engine.dispose()


class Emitter:
    """Emits numbered events, in one thread as a detector does."""

    def __init__(self, writer: EventWriter) -> None:
        self.writer = writer
        self.count = 0

    def emit(self, count: int) -> None:
        for _ in range(count):
            n = self.count
            self.writer.emit(Event(type="t", camera_id=f"c{n % 3}", time=float(n), data={"n": n}))
            self.count += 1

    def until_failing(self) -> None:
        """Emit a few at a time until the writer reports the database failing."""

        def failing() -> bool:
            self.emit(3)
            return self.writer.failing is not None

        wait_until(failing, timeout_s=60, step_s=0.05)


def _writer(store: EventStore, tmp_path: Path) -> EventWriter:
    health = StorageHealth(remind_s=math.inf)  # one line per change, however slow the test
    return EventWriter(
        store, ThumbnailStore(tmp_path / "thumbnails"), batch_size=20, flush_interval_s=0.01,
        health=health,
    )  # fmt: skip


def _storage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("storage.")]


def _writing_until_full(
    store: EventStore, disk: DiskLimit, tmp_path: Path
) -> tuple[EventWriter, Emitter]:
    """A running writer that stored ten events, then met the full disk."""
    writer = _writer(store, tmp_path)
    emitter = Emitter(writer)
    writer.start()
    emitter.emit(10)
    wait_until(lambda: store.count() == 10, timeout_s=60)
    disk.fill()
    emitter.until_failing()
    return writer, emitter


def test_a_full_disk_holds_events_in_order_and_writes_each_once_it_has_room(
    full_disk: tuple[EventStore, DiskLimit], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    store, disk = full_disk
    writer, emitter = _writing_until_full(store, disk, tmp_path)
    assert writer.failing == FULL
    kept = store.count()
    emitter.emit(300)  # queued behind the batch the writer retries
    errors = writer.write_errors
    wait_until(lambda: writer.write_errors >= errors + 5, timeout_s=60)
    assert store.count() == kept and writer.pending() == emitter.count - kept
    disk.free()
    wait_until(lambda: store.count() == emitter.count, timeout_s=60)
    assert writer.failing is None
    stored = store.query(EventQuery(limit=10_000))
    assert [s.event.data["n"] for s in stored] == list(range(emitter.count))  # seq: emit order
    assert writer.stop(timeout_s=30)
    assert writer.written == emitter.count and writer.dropped == writer.lost == 0
    failed, recovered = _storage_lines(caplog)  # two lines for the outage, none per retry
    assert failed.startswith(f"storage failing: writing events to the database: {FULL}; ")
    assert failed.endswith(" events held in memory until it recovers")
    assert recovered.startswith("storage recovered: writing events to the database works again")
    assert recovered.endswith(" held events written late")


def test_a_stop_while_the_disk_is_full_ends_by_its_deadline_and_counts_what_it_lost(
    full_disk: tuple[EventStore, DiskLimit], tmp_path: Path
) -> None:
    store, disk = full_disk
    writer, emitter = _writing_until_full(store, disk, tmp_path)
    emitter.emit(50)
    kept = store.count()
    assert not writer.stop(timeout_s=1.0)
    assert not writer.running  # ended within stop's own bounded join
    assert writer.lost == emitter.count - kept > 50 and writer.written == kept
    assert writer.lost_reason == FULL
    disk.free()
    assert store.count() == kept


def test_a_database_that_goes_down_and_comes_back_gets_every_event_in_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = PostgresServer()  # its own server: this test stops it
    server.start()
    try:
        engine = open_database(server.url(server.create_database()))
        migrate(engine)
        store = EventStore(engine)
        writer = _writer(store, tmp_path)
        emitter = Emitter(writer)
        writer.start()
        emitter.emit(10)
        wait_until(lambda: store.count() == 10, timeout_s=60)
        server.halt()
        emitter.until_failing()
        emitter.emit(100)
        assert writer.pending() == emitter.count - 10
        server.resume()
        wait_until(lambda: store.count() == emitter.count, timeout_s=60)
        stored = store.query(EventQuery(limit=10_000))
        assert [s.event.data["n"] for s in stored] == list(range(emitter.count))
        assert writer.stop(timeout_s=30) and writer.written == emitter.count
        failed, recovered = _storage_lines(caplog)
        assert failed.startswith("storage failing: writing events to the database: ")
        assert recovered.startswith("storage recovered: ")
        engine.dispose()
    finally:
        server.stop()


def test_thumbnails_on_a_full_disk_cost_only_thumbnails_and_are_reported_once(
    store: EventStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    root = tmp_path / "thumbnails"
    root.write_text("not a directory: every thumbnail write fails")
    health = StorageHealth(remind_s=math.inf)
    writer = EventWriter(store, ThumbnailStore(root, health), flush_interval_s=0.01, health=health)
    writer.start()
    frame = np.zeros((48, 64, 3), dtype=np.uint8)
    for n in range(5):
        writer.emit(Event(type="t", camera_id="c", time=float(n)), Evidence(frame, None))
    wait_until(lambda: store.count() == 5, timeout_s=60)
    failure = health.failure(StoragePart.THUMBNAIL)
    assert failure is not None and failure.reason.startswith("NotADirectoryError")
    assert health.failure(StoragePart.DATABASE) is None  # the events are stored
    root.unlink()
    writer.emit(Event(type="t", camera_id="c", time=5.0), Evidence(frame, None))
    assert writer.stop(timeout_s=30)
    assert [s.thumbnail is not None for s in store.query(EventQuery())] == [False] * 5 + [True]
    assert writer.thumbnail_errors == 5 and health.failures() == []
    lines = _storage_lines(caplog)
    assert len(lines) == 2 and lines[0].startswith("storage failing: writing thumbnails: ")

"""Retention deletes old events and their thumbnail files, nothing newer."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest

from events import ClipState, Event, EventClip, Evidence
from storage import EventQuery, EventStore, Retention, ThumbnailStore
from storage.clips import ClipFiles, ClipStore
from storage.event_store import Deleted
from tests.waiting import scaled, wait_until


def test_old_events_and_their_thumbnails_go(store: EventStore, tmp_path: Path) -> None:
    thumbnails = ThumbnailStore(tmp_path)
    frame = np.zeros((32, 32, 3), dtype=np.uint8)
    items = []
    for age_days in (40, 31, 29, 1):
        event = Event(type="track.started", camera_id="a", time=100 * 86_400 - age_days * 86_400)
        items.append((event, thumbnails.save(event, Evidence(frame, None))))
    store.insert(items)
    retention = Retention(store, thumbnails, max_age_s=30 * 86_400)
    assert retention.run_once(now=100 * 86_400) == 2
    kept = store.query(EventQuery())
    assert [round((100 * 86_400 - s.event.time) / 86_400) for s in kept] == [29, 1]
    files = sorted(p.name for p in tmp_path.rglob("*.jpg"))
    assert files == sorted(f"{s.event.id}.jpg" for s in kept)
    assert retention.run_once(now=100 * 86_400) == 0
    retention.start()
    assert retention.stop(timeout_s=5)


def test_old_events_take_their_clips_along(store: EventStore, tmp_path: Path) -> None:
    store.keep_clips(lambda _: True)
    stored = store.insert([(Event(type="t", camera_id="a", time=float(t)), None) for t in (1, 9)])
    files = ClipFiles(tmp_path / "clips")
    for item in stored:
        relative = ClipFiles.relative("a", item.event.id)
        files.path(relative).parent.mkdir(parents=True, exist_ok=True)
        files.path(relative).write_bytes(b"mp4")
        ClipStore(store.engine).settle(item.event.id, EventClip(ClipState.READY, None, relative, 3))
    retention = Retention(store, ThumbnailStore(tmp_path), 5.0, clips=files)
    assert retention.run_once(now=10.0) == 1
    assert [p.stem for p in files.root.rglob("*.mp4")] == [stored[1].event.id]


def test_a_run_deletes_in_batches_until_nothing_old_is_left(
    store: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.retention.BATCH", 3)
    store.insert([(Event(type="t", camera_id="a", time=float(n)), None) for n in range(11)])
    retention = Retention(store, ThumbnailStore(tmp_path), 2.0)
    assert retention.run_once(now=10.0) == 8  # times 0..7 are older than 8
    assert retention.deleted == 8
    assert [s.event.time for s in store.query(EventQuery())] == [8.0, 9.0, 10.0]


class FailingOnce(EventStore):
    """A database that is away for the first retention run."""

    def __init__(self, store: EventStore) -> None:
        super().__init__(store.engine)
        self.calls = 0

    def delete_before(self, cutoff: float, limit: int = 10_000) -> Deleted:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("database went away")
        return super().delete_before(cutoff, limit)


def test_the_thread_runs_every_interval_and_survives_errors(
    store: EventStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    flaky = FailingOnce(store)
    retention = Retention(flaky, ThumbnailStore(tmp_path), max_age_s=60.0, interval_s=0.05)
    retention.start()
    try:
        old = Event(type="t", camera_id="a", time=time.time() - 3600)
        new = Event(type="t", camera_id="a", time=time.time())
        store.insert([(old, None), (new, None)])
        deadline = time.monotonic() + scaled(10)
        while store.count() > 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [s.event for s in store.query(EventQuery())] == [new]
        assert flaky.calls >= 2
        wait_until(lambda: retention.health.failures() == [], timeout_s=30)  # after the run
        assert retention.errors == 1
        lines = [r.getMessage() for r in caplog.records if r.name == "storage.health"]
        assert lines == [
            "storage failing: deleting old events: ConnectionError: database went away",
            lines[1],
        ]
        assert lines[1].startswith("storage recovered: deleting old events works again after")
    finally:
        started = time.monotonic()
        assert retention.stop(timeout_s=5)
        assert time.monotonic() - started < 1

"""Retention deletes old events and their thumbnail files, nothing newer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from events import Event, Evidence
from storage import EventQuery, EventStore, Retention, ThumbnailStore


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

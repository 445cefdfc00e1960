"""Clip retention on a real database and real files: a camera past its clips.max_disk_bytes
loses its oldest clips first, past clips.retention_days its old ones, and cameras no longer
configured follow the defaults; their events stay, with the clip expired and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from config.clips import MIB, ClipsConfig
from events import ClipState, Event, EventClip
from service.clip_retention import DAY_S, ClipRetention
from storage import EventStore, default_url, migrate, open_database
from storage.clips import ClipFiles, ClipStore

NOW = 100 * DAY_S
CLIP_BYTES = 400 * 1024


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = open_database(default_url(tmp_path))
    migrate(engine)
    return engine


def _clips(engine: sa.Engine, files: ClipFiles, camera: str, ages_days: list[float]) -> list[str]:
    """Ready clips of ``camera`` (real files) for events ``ages_days`` old; their event ids."""
    store = EventStore(engine)
    store.keep_clips(lambda _: True)
    events = [(Event(type="t", camera_id=camera, time=NOW - a * DAY_S), None) for a in ages_days]
    ids = []
    for stored in store.insert(events):
        relative = ClipFiles.relative(camera, stored.event.id)
        path = files.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0" * CLIP_BYTES)
        clip = EventClip(ClipState.READY, None, relative, CLIP_BYTES)
        ClipStore(engine).settle(stored.event.id, clip)
        ids.append(stored.event.id)
    return ids


def _states(engine: sa.Engine, ids: list[str]) -> list[ClipState]:
    store = EventStore(engine)
    return [store.get(i).clip.state for i in ids]  # type: ignore[union-attr]


def test_the_oldest_clips_go_past_the_disk_cap_then_by_age(
    engine: sa.Engine, tmp_path: Path
) -> None:
    files = ClipFiles(tmp_path / "clips")
    door = _clips(engine, files, "door", [1.0, 0.5, 0.4, 0.3, 0.2])  # 2000 KiB
    yard = _clips(engine, files, "yard", [3.0, 0.1])
    gone = _clips(engine, files, "gone", [8.0, 6.0])  # no longer configured: 7 days
    settings = {
        "door": ClipsConfig(max_disk_bytes=MIB),  # room for two clips of 400 KiB
        "yard": ClipsConfig(retention_days=2.0),
    }
    retention = ClipRetention(ClipStore(engine), files, lambda: settings, clock=lambda: NOW)
    assert retention.run_once() == 3 + 1 + 1
    expired, ready = ClipState.EXPIRED, ClipState.READY
    assert _states(engine, door) == [expired, expired, expired, ready, ready]
    assert _states(engine, yard) == [expired, ready]
    assert _states(engine, gone) == [expired, ready]
    on_disk = {p.stem for p in files.root.rglob("*.mp4")}
    assert on_disk == {door[3], door[4], yard[1], gone[1]}
    assert ClipStore(engine).usage() == {"door": 2 * CLIP_BYTES, "yard": CLIP_BYTES,
                                         "gone": CLIP_BYTES}  # fmt: skip
    why = EventStore(engine).get(door[0]).clip.reason  # type: ignore[union-attr]
    assert why is not None and "clips.max_disk_bytes" in why
    why = EventStore(engine).get(yard[0]).clip.reason  # type: ignore[union-attr]
    assert why == "retention: older than clips.retention_days (2 days)"
    assert retention.run_once() == 0

    retention.start()  # the thread runs at once and on each nudge
    assert retention.stop(timeout_s=10)

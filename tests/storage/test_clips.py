"""Clip states in the events table: the 0005 upgrade, settling, the restart's settling of pending
clips, and what clip retention reads (usage, oldest ready clips)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from events import ClipState, Event, EventClip
from storage import EventQuery, EventStore, migrate, open_database
from storage.clips import NOT_WRITTEN_BEFORE_STOP, ClipFiles, ClipStore
from storage.migrate import MIGRATIONS


def _event(n: int, camera: str = "door") -> Event:
    return Event(type="track.started", camera_id=camera, time=1000.0 + n, data={"n": n})


def _alembic(engine: sa.Engine, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def test_the_upgrade_keeps_older_events_without_a_clip(database_url: str) -> None:
    engine = open_database(database_url)
    try:
        _alembic(engine, "upgrade", "0004")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO events (id, type, camera_id, time, data) "
                    "VALUES ('old1', 'track.started', 'door', 5.0, '{}')"
                )
            )
        migrate(engine)  # 0004 -> head
        store = EventStore(engine)
        [old] = store.query(EventQuery())
        assert (old.event.id, old.clip) == ("old1", None)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("events")}
        assert {"clip_state", "clip_reason", "clip_path", "clip_bytes"} <= columns
        _alembic(engine, "downgrade", "0004")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("events")}
        assert "clip_state" not in columns
        migrate(engine)
        assert store.get("old1") is not None
    finally:
        engine.dispose()


def test_events_of_cameras_with_clips_are_stored_pending_then_settled(engine: sa.Engine) -> None:
    store = EventStore(engine)
    store.keep_clips(lambda camera: camera == "door")
    stored = store.insert([(_event(0), None), (_event(1, camera="yard"), None)])
    assert [s.clip for s in stored] == [EventClip(ClipState.PENDING), None]
    door = stored[0].event.id
    assert store.get(door) == stored[0]

    clips = ClipStore(engine)
    ready = EventClip(ClipState.READY, None, f"door/{door}.mp4", 1234)
    assert clips.settle(door, ready)
    assert store.get(door).clip == ready  # type: ignore[union-attr]
    assert clips.usage() == {"door": 1234}
    assert not clips.settle("no-such-event", ready)
    clips.settle(door, EventClip(ClipState.FAILED, "x" * 2000))
    failed = store.get(door).clip  # type: ignore[union-attr]
    assert failed is not None and failed.state is ClipState.FAILED
    assert failed.reason is not None and len(failed.reason) == 500  # cut to the column
    assert clips.usage() == {}


def test_a_start_settles_the_clips_the_last_run_left_pending(
    engine: sa.Engine, tmp_path: Path
) -> None:
    store = EventStore(engine)
    store.keep_clips(lambda _: True)
    written, lost = (s.event for s in store.insert([(_event(0), None), (_event(1), None)]))
    files = ClipFiles(tmp_path / "clips")
    on_disk = files.path(ClipFiles.relative("door", written.id))
    on_disk.parent.mkdir(parents=True)
    on_disk.write_bytes(b"\0" * 321)

    assert ClipStore(engine).settle_pending(files) == (1, 1)
    assert store.get(written.id).clip == EventClip(  # type: ignore[union-attr]
        ClipState.READY, None, f"door/{written.id}.mp4", 321
    )
    assert store.get(lost.id).clip == EventClip(  # type: ignore[union-attr]
        ClipState.FAILED, NOT_WRITTEN_BEFORE_STOP
    )
    assert ClipStore(engine).settle_pending(files) == (0, 0)


def test_oldest_ready_clips_of_a_camera(engine: sa.Engine) -> None:
    store = EventStore(engine)
    store.keep_clips(lambda _: True)
    stored = store.insert([(_event(n, "door" if n % 2 else "yard"), None) for n in range(6)])
    clips = ClipStore(engine)
    for item in stored:
        path = ClipFiles.relative(item.event.camera_id, item.event.id)
        clips.settle(item.event.id, EventClip(ClipState.READY, None, path, 100))
    assert clips.usage() == {"door": 300, "yard": 300}
    door = clips.oldest_ready("door")
    assert [c.time for c in door] == [1001.0, 1003.0, 1005.0]
    assert [c.time for c in clips.oldest_ready("door", before=1004.0)] == [1001.0, 1003.0]
    assert [c.time for c in clips.oldest_ready("yard", limit=1)] == [1000.0]
    assert door[0].path == f"door/{stored[1].event.id}.mp4" and door[0].bytes == 100


def test_clip_paths_stay_inside_the_clips_directory(tmp_path: Path) -> None:
    files = ClipFiles(tmp_path)
    assert files.path("door/a.mp4") == (tmp_path / "door" / "a.mp4").resolve()
    for bad in ("../outside.mp4", "/etc/passwd", ""):
        try:
            files.path(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    assert not files.delete("../outside.mp4")

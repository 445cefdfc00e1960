"""The storage every process that runs cameras opens: the database, the event writer, thumbnails
and clips under the data directory (``trackcast serve``, and each node agent in cluster mode)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from config import AppConfig
from storage.clips import ClipFiles, ClipStore
from storage.database import default_url, open_database
from storage.errors import StorageError
from storage.event_store import EventStore
from storage.health import StorageHealth
from storage.migrate import migrate
from storage.private import private_dir
from storage.thumbnails import ThumbnailStore
from storage.writer import EventWriter


@dataclass(eq=False)
class EventStorage:
    """Where a camera runtime's events, thumbnails and clips go; the writer is not started."""

    engine: sa.Engine
    store: EventStore
    health: StorageHealth
    """Failures of event inserts, thumbnails and retention (shared by the three)."""
    thumbnails: ThumbnailStore
    writer: EventWriter
    clips: ClipStore
    clip_files: ClipFiles


def open_event_storage(config: AppConfig, *, migrate_schema: bool = True) -> EventStorage:
    """Open the database of ``config.storage`` (migrated first, unless another process owns
    that) and wire the event writer, thumbnails and clips under ``config.data_dir``."""
    data_dir = Path(config.data_dir)
    _private_data_dir(data_dir)
    engine = open_database(config.storage.url or default_url(data_dir))
    if migrate_schema:
        migrate(engine)
    store = EventStore(engine)
    health = StorageHealth()
    thumbnails = ThumbnailStore(data_dir / "thumbnails", health)
    writer = EventWriter(
        store,
        thumbnails,
        batch_size=config.storage.batch_size,
        flush_interval_s=config.storage.flush_interval_ms / 1000,
        queue_size=config.storage.max_pending_events,
        health=health,
    )
    clips = ClipStore(engine)
    clip_files = ClipFiles(data_dir / "clips")
    return EventStorage(engine, store, health, thumbnails, writer, clips, clip_files)


def _private_data_dir(data_dir: Path) -> None:
    """0700: the database (camera passwords) and thumbnails (camera images) live below it."""
    try:
        private_dir(data_dir)
    except OSError as error:
        raise StorageError(f"cannot create the data directory {data_dir}: {error}") from None

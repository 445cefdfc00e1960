"""Durable events: SQLite (default, WAL) or PostgreSQL through SQLAlchemy, alembic migrations,
thumbnails on disk, a batching writer thread, the delivery outbox and retention."""

from storage.cameras import CameraStore
from storage.counts import INTERVALS_S, CountQuery
from storage.database import default_url, open_database, redacted
from storage.errors import StorageError
from storage.event_storage import EventStorage, open_event_storage
from storage.event_store import DeadLetter, EventQuery, EventStore
from storage.migrate import migrate
from storage.outbox import Outbox
from storage.retention import Retention
from storage.subscriptions import Subscription
from storage.thumbnails import ThumbnailStore
from storage.writer import EventWriter

__all__ = [
    "INTERVALS_S",
    "CameraStore",
    "CountQuery",
    "DeadLetter",
    "EventQuery",
    "EventStorage",
    "EventStore",
    "EventWriter",
    "Outbox",
    "Retention",
    "StorageError",
    "Subscription",
    "ThumbnailStore",
    "default_url",
    "migrate",
    "open_database",
    "open_event_storage",
    "redacted",
]

"""A real SQLite database with the outbox, for delivery tests: events go in through
``EventStore.insert`` as the writer's do, queued for the subscriptions under test."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from events import Event, StoredEvent
from storage import DeadLetter, EventStore, Outbox, Subscription, migrate, open_database


class Database:
    def __init__(self, path: Path) -> None:
        self.engine: sa.Engine = open_database(f"sqlite:///{path}")
        migrate(self.engine)
        self.store = EventStore(self.engine)
        self.outbox = Outbox(self.engine)

    def subscribe(self, *subscriptions: Subscription) -> None:
        self.store.subscribe(subscriptions)

    def add(self, events: Sequence[Event]) -> list[StoredEvent]:
        """Store ``events`` (queued in the outbox for the subscriptions) in one transaction."""
        return self.store.insert([(event, None) for event in events])

    def dead_letters(self) -> list[DeadLetter]:
        return self.store.dead_letters(limit=1000)

    def close(self) -> None:
        self.engine.dispose()

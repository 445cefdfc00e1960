"""An event store whose inserts hang until released, as a database stuck on a lock would."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from analytics.counts import CountRow
from events import Event, StoredEvent
from storage import EventStore


class BlockedStore(EventStore):
    """Every insert sets ``inserting`` and waits until ``release`` is set."""

    def __init__(self, store: EventStore) -> None:
        super().__init__(store.engine)
        self.release = threading.Event()
        self.inserting = threading.Event()

    def insert(
        self, items: Sequence[tuple[Event, str | None]], counts: Sequence[CountRow] = ()
    ) -> list[StoredEvent]:
        self.inserting.set()
        self.release.wait()
        return super().insert(items, counts)

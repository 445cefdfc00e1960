"""Dead letters from delivery go to the event store, where the API lists them."""

from __future__ import annotations

import time

from events import StoredEvent
from storage import DeadLetter, EventStore


class StoreDeadLetters:
    """The ``delivery.DeadLetterSink`` that keeps dead letters in the database."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def dead_letter(self, event: StoredEvent, target: str, attempts: int, last_error: str) -> None:
        self._store.add_dead_letter(
            DeadLetter(
                id=None,
                event_id=event.event.id,
                event_seq=event.seq,
                target=target,
                attempts=attempts,
                last_error=last_error,
                failed_at=time.time(),
                payload=event.to_json(),
            )
        )

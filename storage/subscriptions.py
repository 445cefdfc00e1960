"""Subscriptions: which committed events each delivery destination gets, queued in the outbox in
the same transaction that stores them (so that a crash between commit and send loses nothing)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from events import StoredEvent
from storage.schema import outbox


@dataclass(frozen=True, slots=True)
class Subscription:
    """One destination's queue in the outbox.

    Attributes:
        key: Stable across restarts; names the destination's rows (see ``delivery.keys``).
        target: The destination with credentials redacted, for logs, metrics and dead letters.
        types: Event types it wants; empty means all.
    """

    key: str
    target: str
    types: frozenset[str] = frozenset()

    def wants(self, event_type: str) -> bool:
        return not self.types or event_type in self.types


def enqueue(
    connection: sa.Connection,
    subscriptions: Sequence[Subscription],
    stored: Sequence[StoredEvent],
) -> None:
    """Queue each of ``stored`` for every subscription that wants it, due now."""
    now = time.time()
    rows = [
        {"subscription": s.key, "event_seq": e.seq, "attempts": 0, "next_attempt_at": now}
        for e in stored
        for s in subscriptions
        if s.wants(e.event.type)
    ]
    if rows:
        connection.execute(outbox.insert(), rows)

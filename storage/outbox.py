"""The delivery outbox: events still to deliver, one row per (subscription, event seq).

Rows are added with their events (:func:`storage.subscriptions.enqueue`, in the insert's
transaction) and leave when the destination accepted the event (:meth:`Outbox.delivered`) or it
was given up on (:meth:`Outbox.dead_letter`, which moves it to the dead letters in one
transaction). A failed attempt only updates the row (:meth:`Outbox.postpone`), so attempts and
the next attempt's time survive a restart. :meth:`Outbox.requeue` puts a dead letter back.

Rows keep no copy of the event, which the ``events`` table has, except rows put back from a dead
letter: they carry the payload the dead letter kept (its event may be gone by retention). A row
whose event retention deleted before it could be delivered is dropped, with a warning.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from storage.database import write_lock
from storage.event_store import DeadLetter, insert_dead_letter, stored_event
from storage.schema import dead_letters, events, outbox
from storage.subscriptions import Subscription

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    """One outbox row with the event it delivers.

    Attributes:
        seq: The event's seq (its order in the subscription).
        event_id: The idempotency key.
        payload: What to send: ``StoredEvent.to_json()``.
        attempts: Attempts already made (before restarts too).
        next_attempt_at: Wall-clock time (``time.time()``) before which it is not tried.
    """

    seq: int
    event_id: str
    event_type: str
    camera_id: str
    payload: dict[str, Any]
    attempts: int
    next_attempt_at: float


class Requeued(enum.Enum):
    """What :meth:`Outbox.requeue` did with a dead letter."""

    QUEUED = "queued"
    NOT_FOUND = "not found"
    NO_SUBSCRIPTION = "no subscription"


class Outbox:
    """Thread-safe (each call uses its own pooled connection)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def head(self, key: str, limit: int) -> list[Pending]:
        """The first ``limit`` rows of subscription ``key`` in seq order (rows whose event
        retention deleted are dropped on the way, with a warning)."""
        statement = (
            sa.select(outbox, events)
            .select_from(outbox.outerjoin(events, events.c.seq == outbox.c.event_seq))
            .where(outbox.c.subscription == key)
            .order_by(outbox.c.event_seq)
            .limit(limit)
        )
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(statement).mappings().all()
            items = [(int(row["event_seq"]), _pending(row)) for row in rows]
            pending = [item for _, item in items if item is not None]
            gone = [seq for seq, item in items if item is None]
            if not gone:
                return pending
            log.warning(
                "delivery %s: %d events (seq %d to %d) were deleted by retention before they were "
                "delivered; dropped from the outbox",
                key, len(gone), gone[0], gone[-1],
            )  # fmt: skip
            self.delivered(key, *gone)
            if pending:
                return pending

    def depth(self, key: str) -> int:
        """Rows waiting in subscription ``key``."""
        statement = (
            sa.select(sa.func.count()).select_from(outbox).where(outbox.c.subscription == key)
        )
        with self.engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def depths(self) -> dict[str, int]:
        """Rows waiting, by subscription key (configured or not)."""
        statement = sa.select(outbox.c.subscription, sa.func.count()).group_by(
            outbox.c.subscription
        )
        with self.engine.connect() as connection:
            return {str(key): int(count) for key, count in connection.execute(statement).all()}

    def delivered(self, key: str, *seqs: int) -> None:
        """Delete the rows of ``seqs`` in one transaction."""
        if not seqs:
            return
        statement = outbox.delete().where(
            outbox.c.subscription == key, outbox.c.event_seq.in_(seqs)
        )
        with write_lock(self.engine), self.engine.begin() as connection:
            connection.execute(statement)

    def postpone(self, key: str, seq: int, attempts: int, next_attempt_at: float) -> None:
        """Record a failed attempt: ``attempts`` made so far, the next not before then."""
        statement = (
            outbox.update()
            .where(outbox.c.subscription == key, outbox.c.event_seq == seq)
            .values(attempts=attempts, next_attempt_at=next_attempt_at)
        )
        with write_lock(self.engine), self.engine.begin() as connection:
            connection.execute(statement)

    def dead_letter(
        self, subscription: Subscription, item: Pending, attempts: int, reason: str
    ) -> int:
        """Move ``item`` from the outbox to the dead letters, in one transaction; the letter's
        id."""
        letter = DeadLetter(
            id=None,
            event_id=item.event_id,
            event_seq=item.seq,
            target=subscription.target,
            attempts=attempts,
            last_error=reason,
            failed_at=time.time(),
            payload=item.payload,
            subscription=subscription.key,
        )
        with write_lock(self.engine), self.engine.begin() as connection:
            connection.execute(_delete(subscription.key, item.seq))
            return insert_dead_letter(connection, letter)

    def requeue(
        self, letter_id: int, resolve: Callable[[DeadLetter], Subscription | None]
    ) -> tuple[Requeued, Subscription | None]:
        """Put dead letter ``letter_id`` back in the outbox of the subscription ``resolve``
        names for it (due now, attempts reset) and delete the letter, in one transaction.
        NO_SUBSCRIPTION (the letter stays) when ``resolve`` returns None."""
        with write_lock(self.engine), self.engine.begin() as connection:
            row = (
                connection.execute(sa.select(dead_letters).where(dead_letters.c.id == letter_id))
                .mappings()
                .first()
            )
            if row is None:
                return Requeued.NOT_FOUND, None
            letter = DeadLetter(**row)
            subscription = resolve(letter)
            if subscription is None:
                return Requeued.NO_SUBSCRIPTION, None
            connection.execute(_delete(subscription.key, letter.event_seq))  # at most once
            values = {
                "subscription": subscription.key,
                "event_seq": letter.event_seq,
                "attempts": 0,
                "next_attempt_at": time.time(),
                "payload": letter.payload,
            }
            connection.execute(outbox.insert(), values)
            connection.execute(dead_letters.delete().where(dead_letters.c.id == letter_id))
        return Requeued.QUEUED, subscription


def _delete(key: str, seq: int) -> sa.Delete:
    return outbox.delete().where(outbox.c.subscription == key, outbox.c.event_seq == seq)


def _pending(row: Any) -> Pending | None:
    """The row as :class:`Pending`, or None when it has no payload and its event is gone."""
    payload: dict[str, Any] | None = row["payload"]
    if payload is None:
        if row["id"] is None:
            return None
        payload = stored_event(row).to_json()
    return Pending(
        seq=int(row["event_seq"]),
        event_id=str(payload.get("id", "")),
        event_type=str(payload.get("type", "")),
        camera_id=str(payload.get("camera_id", "")),
        payload=payload,
        attempts=int(row["attempts"]),
        next_attempt_at=float(row["next_attempt_at"]),
    )

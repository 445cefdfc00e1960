"""Events and dead letters in the database: insert in batches, query with filters and a cursor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from analytics.counts import CountRow
from events import TRACK_ENDED, TRACK_STARTED, ClipState, Event, EventClip, StoredEvent
from storage.counts import CountQuery, add_counts, query_counts
from storage.database import write_lock
from storage.filters import Condition, matching
from storage.schema import dead_letters, events
from storage.subscriptions import Subscription, enqueue
from stream.redact import redact_text, redact_url

INSERT_LOCK_KEY = 0x74726B63  # "trkc": the advisory lock that orders event inserts


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which events to read; empty tuples mean any. Results come in ``seq`` order."""

    camera_ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    since: float | None = None
    """On ``time``: at or after."""
    until: float | None = None
    """On ``time``: before."""
    after_seq: int | None = None
    before_seq: int | None = None
    limit: int = 100
    descending: bool = False

    def matches(self, event: Event) -> bool:
        """Whether ``event`` passes the filters (cameras, types, classes, regions, time); the
        same test the query runs in the database, for events that are not stored yet."""
        return (
            (not self.camera_ids or event.camera_id in self.camera_ids)
            and (not self.types or event.type in self.types)
            and (not self.class_names or event.class_name in self.class_names)
            and (not self.regions or event.region in self.regions)
            and (self.since is None or event.time >= self.since)
            and (self.until is None or event.time < self.until)
        )


@dataclass(frozen=True, slots=True)
class Deleted:
    """What :meth:`EventStore.delete_before` deleted: how many events, and the files they had
    (relative paths) for the caller to delete."""

    count: int
    thumbnails: list[str]
    clips: list[str]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event a delivery target gave up on, with the reason."""

    id: int | None
    event_id: str
    event_seq: int
    target: str
    attempts: int
    last_error: str
    failed_at: float
    payload: dict[str, Any]
    subscription: str | None = None
    """The outbox subscription it was taken from (None for letters older than the outbox)."""


class EventStore:
    """Thread-safe (each call uses its own pooled connection)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._subscriptions: tuple[Subscription, ...] = ()
        self._keeps_clips: Callable[[str], bool] = lambda _: False

    def keep_clips(self, keeps_clips: Callable[[str], bool]) -> None:
        """From now on, :meth:`insert` stores the events of each camera for which
        ``keeps_clips(camera_id)`` is true with a ``pending`` clip (call before the writer
        starts); the clip's writer settles it later (:class:`storage.clips.ClipStore`)."""
        self._keeps_clips = keeps_clips

    def subscribe(self, subscriptions: Sequence[Subscription]) -> None:
        """From now on, :meth:`insert` queues each event in the outbox for every subscription
        that wants it, in the same transaction (call before the writer starts)."""
        self._subscriptions = tuple(subscriptions)

    def insert(
        self, items: Sequence[tuple[Event, str | None]], counts: Sequence[CountRow] = ()
    ) -> list[StoredEvent]:
        """Write ``items`` (event, thumbnail path) and add ``counts`` to their buckets, in one
        transaction, with their outbox rows (:meth:`subscribe`); seq grows in the given order, and
        in commit order across transactions (the cursor feeds resume from never skips a row
        committed later with a smaller seq)."""
        if not items:
            return []
        statement = events.insert().returning(events.c.seq, sort_by_parameter_order=True)
        with write_lock(self.engine), self.engine.begin() as connection:
            _serialize_inserts(connection)
            clips = [
                EventClip(ClipState.PENDING) if self._keeps_clips(e.camera_id) else None
                for e, _ in items
            ]
            rows = [_row(e, t, c) for (e, t), c in zip(items, clips, strict=True)]
            seqs = connection.execute(statement, rows).scalars().all()
            add_counts(connection, counts)
            stored = [
                StoredEvent(int(seq), event, thumbnail, clip)
                for seq, (event, thumbnail), clip in zip(seqs, items, clips, strict=True)
            ]
            enqueue(connection, self._subscriptions, stored)
        return stored

    def query(self, query: EventQuery) -> list[StoredEvent]:
        order = events.c.seq.desc() if query.descending else events.c.seq.asc()
        statement = sa.select(events).where(*_conditions(query)).order_by(order).limit(query.limit)
        with self.engine.connect() as connection:
            return [stored_event(row) for row in connection.execute(statement).mappings()]

    def count(self, query: EventQuery | None = None) -> int:
        statement = sa.select(sa.func.count()).select_from(events)
        if query is not None:
            statement = statement.where(*_conditions(query))
        with self.engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def get(self, event_id: str) -> StoredEvent | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(events).where(events.c.id == event_id)).mappings()
            first = row.first()
        return stored_event(first) if first is not None else None

    def open_tracks(self, camera_id: str, after_seq: int = 0) -> list[StoredEvent]:
        """The ``track.started`` events of ``camera_id`` after ``after_seq`` whose track has
        no ``track.ended`` event after them: the tracks still open in the table."""
        started, ended = events.alias("started"), events.alias("ended")
        closing = sa.exists().where(
            ended.c.camera_id == camera_id,
            ended.c.type == TRACK_ENDED,
            ended.c.track_id == started.c.track_id,
            ended.c.seq > started.c.seq,
        )
        statement = (
            sa.select(started)
            .where(
                started.c.camera_id == camera_id,
                started.c.type == TRACK_STARTED,
                started.c.seq > after_seq,
                ~closing,
            )
            .order_by(started.c.seq)
        )
        with self.engine.connect() as connection:
            return [stored_event(row) for row in connection.execute(statement).mappings()]

    def latest_seq(self) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(sa.select(sa.func.max(events.c.seq))).scalar_one()
        return int(value or 0)

    def delete_before(self, cutoff: float, limit: int = 10_000) -> Deleted:
        """Delete up to ``limit`` events older than ``cutoff``: how many, and the thumbnail
        and clip paths they had (for the caller to delete)."""
        with write_lock(self.engine), self.engine.begin() as connection:
            rows = connection.execute(
                sa.select(events.c.seq, events.c.thumbnail, events.c.clip_path)
                .where(events.c.time < cutoff)
                .order_by(events.c.seq)
                .limit(limit)
            ).all()
            if rows:
                connection.execute(events.delete().where(events.c.seq.in_([r[0] for r in rows])))
        return Deleted(len(rows), [r[1] for r in rows if r[1]], [r[2] for r in rows if r[2]])

    def counts(self, query: CountQuery) -> list[CountRow]:
        with self.engine.connect() as connection:
            return query_counts(connection, query)

    def add_dead_letter(self, letter: DeadLetter) -> int:
        """Keep ``letter`` (its ``id`` is ignored); its new id. The target URL and the error are
        stored with credentials redacted."""
        with write_lock(self.engine), self.engine.begin() as connection:
            return insert_dead_letter(connection, letter)

    def dead_letters(self, limit: int = 100, after_id: int | None = None) -> list[DeadLetter]:
        statement = sa.select(dead_letters).order_by(dead_letters.c.id).limit(limit)
        if after_id is not None:
            statement = statement.where(dead_letters.c.id > after_id)
        with self.engine.connect() as connection:
            return [DeadLetter(**row) for row in connection.execute(statement).mappings()]

    def get_dead_letter(self, letter_id: int) -> DeadLetter | None:
        statement = sa.select(dead_letters).where(dead_letters.c.id == letter_id)
        with self.engine.connect() as connection:
            row = connection.execute(statement).mappings().first()
        return DeadLetter(**row) if row is not None else None

    def delete_dead_letter(self, letter_id: int) -> bool:
        with write_lock(self.engine), self.engine.begin() as connection:
            result = connection.execute(dead_letters.delete().where(dead_letters.c.id == letter_id))
        return result.rowcount > 0


def insert_dead_letter(connection: sa.Connection, letter: DeadLetter) -> int:
    """Insert ``letter`` (its ``id`` is ignored; target and error redacted); its new id."""
    values = {
        "event_id": letter.event_id,
        "event_seq": letter.event_seq,
        "target": redact_url(letter.target),
        "attempts": letter.attempts,
        "last_error": redact_text(letter.last_error),
        "failed_at": letter.failed_at,
        "payload": letter.payload,
        "subscription": letter.subscription,
    }
    statement = dead_letters.insert().returning(dead_letters.c.id)
    return int(connection.execute(statement, values).scalar_one())


def _serialize_inserts(connection: sa.Connection) -> None:
    """PostgreSQL hands out sequence values at insert, not at commit: two overlapping inserting
    transactions could commit out of seq order. A transaction-scoped advisory lock makes inserts
    take turns (SQLite's write lock already does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(INSERT_LOCK_KEY)))


def _row(event: Event, thumbnail: str | None, clip: EventClip | None) -> dict[str, Any]:
    return {
        "id": event.id,
        **event.content(),
        "thumbnail": thumbnail,
        "clip_state": None if clip is None else clip.state.value,
    }


def stored_event(row: Any) -> StoredEvent:
    """The event of an ``events`` row (a mapping)."""
    event = Event(
        id=row["id"],
        type=row["type"],
        camera_id=row["camera_id"],
        time=row["time"],
        track_id=row["track_id"],
        class_name=row["class_name"],
        region=row["region"],
        data=row["data"],
    )
    return StoredEvent(int(row["seq"]), event, row["thumbnail"], _clip(row))


def _clip(row: Any) -> EventClip | None:
    """The clip columns of an ``events`` row; None when its camera kept no clip."""
    if row["clip_state"] is None:
        return None
    return EventClip(
        ClipState(row["clip_state"]), row["clip_reason"], row["clip_path"], row["clip_bytes"]
    )


def _conditions(query: EventQuery) -> list[Condition]:
    conditions = matching(
        (
            (events.c.camera_id, query.camera_ids),
            (events.c.type, query.types),
            (events.c.class_name, query.class_names),
            (events.c.region, query.regions),
        ),
        events.c.time,
        query.since,
        query.until,
    )
    if query.after_seq is not None:
        conditions.append(events.c.seq > query.after_seq)
    if query.before_seq is not None:
        conditions.append(events.c.seq < query.before_seq)
    return conditions

"""Footfall counts: 1-minute buckets added in the same transaction as their events, read back
summed into 1-minute, 15-minute, hourly or daily (UTC) intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa

from analytics.counts import CountKind, CountRow
from storage.filters import matching
from storage.schema import counts

INTERVALS_S = {"1m": 60, "15m": 900, "1h": 3600, "1d": 86_400}
KEY_COLUMNS = ("camera_id", "region", "kind", "direction", "class_name", "bucket_start")


@dataclass(frozen=True, slots=True)
class CountQuery:
    camera_ids: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    since: float | None = None
    """Buckets starting at or after this time."""
    until: float | None = None
    """Buckets starting before this time."""
    interval_s: int = 60


def add_counts(connection: sa.Connection, rows: Sequence[CountRow]) -> None:
    """Add ``rows`` to their buckets (one writer thread: update, else insert, is race-free)."""
    for row in rows:
        key = [getattr(counts.c, name) == getattr(row, name) for name in KEY_COLUMNS]
        updated = connection.execute(
            counts.update().where(*key).values(count=counts.c.count + row.count)
        )
        if updated.rowcount == 0:
            connection.execute(
                counts.insert().values(**{n: getattr(row, n) for n in KEY_COLUMNS}, count=row.count)
            )


def query_counts(connection: sa.Connection, query: CountQuery) -> list[CountRow]:
    """Summed counts per interval, ordered by interval start then key."""
    start = ((counts.c.bucket_start // query.interval_s) * query.interval_s).label("bucket_start")
    conditions = matching(
        (
            (counts.c.camera_id, query.camera_ids),
            (counts.c.region, query.regions),
            (counts.c.kind, query.kinds),
            (counts.c.class_name, query.class_names),
        ),
        counts.c.bucket_start,
        query.since,
        query.until,
    )
    keys = [counts.c.camera_id, counts.c.region, counts.c.kind, counts.c.direction,
            counts.c.class_name]  # fmt: skip
    statement = (
        sa.select(*keys, start, sa.func.sum(counts.c.count).label("total"))
        .where(*conditions)
        .group_by(*keys, start)
        .order_by(start, *keys)
    )
    return [
        CountRow(
            r.camera_id,
            r.region,
            cast(CountKind, r.kind),
            r.direction,
            r.class_name,
            int(r.bucket_start),
            int(r.total),
        )
        for r in connection.execute(statement)
    ]

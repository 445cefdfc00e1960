"""Count buckets in a time zone: hours and days that start at local midnight, across DST.

Storage sums counts into intervals aligned on the epoch (UTC). For ``tz=`` the API asks storage
for finer intervals that every zone's offset is a multiple of (15 minutes for hours and days, 1
minute for 15-minute buckets), then adds them up into the local intervals they fall in. A local day
is 23 or 25 hours long on a DST change; its ``bucket_start`` is still its local midnight.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from analytics.counts import CountRow

FINER_S = {60: 60, 900: 60, 3600: 900, 86_400: 900}
"""The storage interval that local buckets of each length are summed from."""


def local_start(seconds: int, interval_s: int, zone: ZoneInfo) -> int:
    """Epoch seconds of the start of the local ``interval_s`` bucket holding ``seconds``."""
    moment = datetime.fromtimestamp(seconds, zone)
    if interval_s >= 86_400:
        start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elif interval_s >= 3600:
        start = moment.replace(minute=0, second=0, microsecond=0)
    else:
        minutes = interval_s // 60
        start = moment.replace(minute=moment.minute // minutes * minutes, second=0, microsecond=0)
    return int(start.timestamp())


def regroup(rows: Iterable[CountRow], interval_s: int, zone: ZoneInfo) -> list[CountRow]:
    """``rows`` (in finer, epoch-aligned buckets) summed per local bucket, ordered like storage
    orders them: by bucket start, then key."""
    totals: dict[tuple[int, str, str, str, str, str], CountRow] = {}
    starts: dict[int, int] = {}  # rows share buckets: convert each one once
    for row in rows:
        start = starts.get(row.bucket_start)
        if start is None:
            start = starts[row.bucket_start] = local_start(row.bucket_start, interval_s, zone)
        key = (start, row.camera_id, row.region, row.kind, row.direction, row.class_name)
        found = totals.get(key)
        totals[key] = (
            replace(row, bucket_start=start)
            if found is None
            else replace(found, count=found.count + row.count)
        )
    return [totals[key] for key in sorted(totals)]

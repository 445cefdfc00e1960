"""Footfall counts: crossing and zone events summed into 1-minute buckets.

A bucket is keyed by camera, region (line or zone name), kind (``line`` or ``zone``), direction
(the line's direction name, or ``entered`` / ``exited``) and class, and starts at a multiple of 60
seconds since the epoch. Events are placed by their own time, so late ones land in their minute.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Literal

from events import LINE_CROSSED, ZONE_ENTERED, ZONE_EXITED, Event, Evidence

BUCKET_S = 60

CountKind = Literal["line", "zone"]


@dataclass(frozen=True, slots=True, order=True)
class CountRow:
    """How many events of one kind a bucket holds."""

    camera_id: str
    region: str
    kind: CountKind
    direction: str
    """The line's direction name (e.g. ``in``), or ``entered`` / ``exited`` for zones."""
    class_name: str
    bucket_start: int
    """Seconds since the epoch, a multiple of 60."""
    count: int


_Key = tuple[str, str, CountKind, str, str, int]


class CountBuckets:
    """Sums events into buckets until :meth:`drain` hands them on; also an event sink."""

    def __init__(self) -> None:
        self._counts: dict[_Key, int] = {}
        self._lock = threading.Lock()

    def add(self, event: Event) -> bool:
        """Count ``event`` if it is a crossing, entry or exit; True if it was counted."""
        key = _key(event)
        if key is None:
            return False
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
        return True

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        """:class:`events.EventSink`: count the event, ignore the evidence."""
        self.add(event)

    def drain(self) -> list[CountRow]:
        """Every non-empty bucket since the last drain, sorted; the buckets are emptied."""
        with self._lock:
            counts, self._counts = self._counts, {}
        return sorted(CountRow(*key, count) for key, count in counts.items())


def _key(event: Event) -> _Key | None:
    kind: CountKind
    if event.type == LINE_CROSSED:
        kind, direction = "line", str(event.data.get("direction", ""))
    elif event.type == ZONE_ENTERED:
        kind, direction = "zone", "entered"
    elif event.type == ZONE_EXITED:
        kind, direction = "zone", "exited"
    else:
        return None
    bucket = math.floor(event.time / BUCKET_S) * BUCKET_S
    region = event.region or ""
    return (event.camera_id, region, kind, direction, event.class_name or "", bucket)

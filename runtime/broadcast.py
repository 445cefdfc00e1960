"""Fan-out of the newest value to any number of subscribers, none of which can slow the sender."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from stream.latest import LatestSlot

T = TypeVar("T")

log = logging.getLogger(__name__)


class Broadcast(Generic[T]):
    """Each subscriber has its own latest-value slot: a slow one only misses values (counted in
    its slot's ``dropped_count``); it never blocks :meth:`publish` or the other subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[LatestSlot[T]] = []
        self.published = 0
        self._skipped_by_gone = 0
        """Values that subscribers who left had skipped."""
        self.latest: T | None = None
        """The last value published, for one-off reads such as snapshots."""

    def subscribe(self, on_put: Callable[[], None] | None = None) -> LatestSlot[T]:
        slot: LatestSlot[T] = LatestSlot(on_put)
        with self._lock:
            self._subscribers.append(slot)
        return slot

    def unsubscribe(self, slot: LatestSlot[T]) -> None:
        with self._lock:
            if slot in self._subscribers:
                self._subscribers.remove(slot)
                self._skipped_by_gone += slot.dropped_count
        _close(slot)

    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def skipped(self) -> int:
        """Values replaced in a subscriber's slot before it took them, over every subscriber
        so far (a slow viewer skips to the newest value)."""
        with self._lock:
            return self._skipped_by_gone + sum(s.dropped_count for s in self._subscribers)

    def publish(self, value: T) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
            self.published += 1
            self.latest = value
        for slot in subscribers:
            slot.put(value)

    def close(self) -> None:
        with self._lock:
            subscribers, self._subscribers = self._subscribers, []
            self._skipped_by_gone += sum(s.dropped_count for s in subscribers)
        for slot in subscribers:
            _close(slot)


def _close(slot: LatestSlot[T]) -> None:
    """Close ``slot``; a subscriber whose wake-up callback raises is logged, and never keeps the
    camera (or the others' slots) from closing."""
    try:
        slot.close()
    except Exception:
        log.exception("a subscriber failed while its slot closed")

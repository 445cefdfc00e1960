"""Storage health: for each part of storage (event inserts, thumbnail files, retention) one state
machine, ok -> failing(reason, since) -> ok, fed by the part's owner after every attempt.

It logs once per change of state (an error when a part starts failing, with the reason and how
many events are held in memory; an info line when it works again, with how long it was down and
how many held events are written late) and, while a part keeps failing, a reminder at most every
``REMIND_S``, never a line per retry. Readiness, metrics and ``/api/health`` read it.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

REMIND_S = 60.0


class StoragePart(enum.Enum):
    """What failed (the ``kind`` label of the storage metrics)."""

    DATABASE = "database"
    """Inserting events: while it fails events are held in memory."""
    THUMBNAIL = "thumbnail"
    """Writing thumbnail files: events are stored without theirs."""
    RETENTION = "retention"
    """Deleting old events: retried at the next interval."""
    FEED = "feed"
    """Cluster mode: reading new events for the live feeds; retried at the next poll."""


_DOING = {
    StoragePart.DATABASE: "writing events to the database",
    StoragePart.THUMBNAIL: "writing thumbnails",
    StoragePart.RETENTION: "deleting old events",
    StoragePart.FEED: "reading new events for the live feeds",
}


@dataclass(frozen=True, slots=True)
class Failure:
    """A part that keeps failing: the last reason, since when (wall clock) and for how long."""

    part: StoragePart
    reason: str
    since: float
    """Unix time of the first failure of this outage."""
    failing_s: float


@dataclass(slots=True)
class _Outage:
    reason: str
    since: float
    started: float
    reminded: float


class StorageHealth:
    """Thread-safe; ``clock`` (monotonic seconds) and ``wall`` (Unix time) are injectable."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        remind_s: float = REMIND_S,
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._remind_s = remind_s
        self._lock = threading.Lock()
        self._outages: dict[StoragePart, _Outage] = {}

    def failed(self, part: StoragePart, reason: str, held: int | None = None) -> None:
        """An attempt of ``part`` failed; ``held``: events kept in memory meanwhile."""
        now = self._clock()
        with self._lock:
            outage = self._outages.get(part)
            if outage is None:
                self._outages[part] = _Outage(reason, self._wall(), now, now)
            else:
                outage.reason = reason
                if now - outage.reminded < self._remind_s:
                    return
                outage.reminded = now
        if outage is None:
            log.error("storage failing: %s: %s%s", _DOING[part], reason, _held(held))
        else:
            log.error("storage still failing after %.0f s: %s: %s%s", now - outage.started,
                      _DOING[part], reason, _held(held))  # fmt: skip

    def recovered(self, part: StoragePart, late: int | None = None) -> None:
        """An attempt of ``part`` worked; ``late``: held events it writes now, after the outage."""
        with self._lock:
            outage = self._outages.pop(part, None)
        if outage is None:
            return
        down_s = self._clock() - outage.started
        written = "" if late is None else f"; {late} held events written late"
        log.info("storage recovered: %s works again after %.1f s%s", _DOING[part], down_s, written)

    def failure(self, part: StoragePart) -> Failure | None:
        """The part's outage, None while it works."""
        with self._lock:
            outage = self._outages.get(part)
            if outage is None:
                return None
            return Failure(part, outage.reason, outage.since, self._clock() - outage.started)

    def failures(self) -> list[Failure]:
        """Every part that keeps failing, in :class:`StoragePart` order."""
        return [f for part in StoragePart if (f := self.failure(part)) is not None]


def reason(error: BaseException) -> str:
    """``error`` in one line, without SQL or its parameters: the driver's error where
    SQLAlchemy wraps one."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def _held(held: int | None) -> str:
    if held is None:
        return ""
    return f"; {held} events held in memory until it recovers"

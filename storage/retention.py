"""Deletes events (and their thumbnails and clips) older than the retention period, periodically."""

from __future__ import annotations

import logging
import time

from storage.clips import ClipFiles
from storage.event_store import EventStore
from storage.health import StorageHealth, StoragePart, reason
from storage.thumbnails import ThumbnailStore
from stream.worker import Worker

log = logging.getLogger(__name__)

BATCH = 10_000


class Retention(Worker):
    """Every ``interval_s``, on its own thread, deletes events older than ``max_age_s`` and
    their thumbnail and clip files. A failed run is retried at the next interval; failures and the
    recovery go to ``health`` (one log line per outage)."""

    def __init__(
        self,
        store: EventStore,
        thumbnails: ThumbnailStore,
        max_age_s: float,
        interval_s: float = 300.0,
        health: StorageHealth | None = None,
        clips: ClipFiles | None = None,
    ) -> None:
        super().__init__("retention")
        self._store = store
        self._thumbnails = thumbnails
        self._clips = clips
        self.max_age_s = max_age_s
        self._interval_s = interval_s
        self.health = health or StorageHealth()
        self.deleted = 0
        self.errors = 0
        """Runs that failed (each retried at the next interval)."""

    def run_once(self, now: float | None = None) -> int:
        """Delete everything older than the retention period, in batches of ``BATCH`` (the
        batches stop early once ``stop`` is called); how many events went."""
        cutoff = (time.time() if now is None else now) - self.max_age_s
        total = 0
        while True:
            self.heartbeat.beat()
            deleted = self._store.delete_before(cutoff, limit=BATCH)
            for relative in deleted.thumbnails:
                self._thumbnails.delete(relative)
            if self._clips is not None:
                for relative in deleted.clips:
                    self._clips.delete(relative)
            total += deleted.count
            if deleted.count < BATCH or self.stopping:
                break
        self.deleted += total
        return total

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the thread (a run in progress finishes its batch); True if it ended in time."""
        return super().stop(timeout_s)

    def run(self) -> None:
        while True:
            self.heartbeat.beat(self._interval_s)
            if self.wait(self._interval_s):
                break
            try:
                deleted = self.run_once()
            except Exception as error:
                self.errors += 1
                log.debug("retention run failed", exc_info=True)
                self.health.failed(StoragePart.RETENTION, reason(error))
                continue
            self.health.recovered(StoragePart.RETENTION)
            if deleted:
                log.info("retention deleted %d events", deleted)

"""Cluster mode's live event feed: events that node agents commit to the shared database, read
back by ``seq`` and published to this API process's WebSocket and SSE clients (and, in the
controller, handed to the webhook and MQTT senders).

In single-process mode the storage writer publishes what it commits; in cluster mode the writers
run on the worker nodes, so each API process polls. Inserts take turns (``EventStore``), so seqs
commit in order and reading "after the last seq seen" misses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from events import StoredEvent
from storage import EventQuery, EventStore
from storage.health import StorageHealth, StoragePart, reason
from stream.worker import Worker

log = logging.getLogger(__name__)

PAGE = 500


class EventPoller(Worker):
    """Every ``interval_s``, on its own thread, hands to ``publish`` (an event feed's, the
    senders' ``deliver``) the events stored since the last poll (a full page is followed at once
    by the next). Failures go to ``health`` and are retried at the next interval."""

    def __init__(
        self,
        store: EventStore,
        publish: Callable[[Sequence[StoredEvent]], None],
        interval_s: float,
        health: StorageHealth,
    ) -> None:
        super().__init__("event-poller")
        self._store = store
        self._publish = publish
        self._interval_s = interval_s
        self._health = health
        self._last: int | None = None
        self.published = 0

    def poll_once(self) -> int:
        """Publish what was stored since the last poll; how many events (the first poll only
        notes the newest seq: feeds read older events from storage themselves)."""
        if self._last is None:
            self._last = self._store.latest_seq()
            return 0
        total = 0
        while not self.stopping:
            page = self._store.query(EventQuery(after_seq=self._last, limit=PAGE))
            if page:
                self._publish(page)
                self._last = page[-1].seq
                total += len(page)
            if len(page) < PAGE:
                break
        self.published += total
        return total

    def run(self) -> None:
        while not self.stopping:
            self.heartbeat.beat(self._interval_s)
            try:
                self.poll_once()
            except Exception as error:
                log.debug("event poll failed", exc_info=True)
                self._health.failed(StoragePart.FEED, reason(error))
            else:
                self._health.recovered(StoragePart.FEED)
            if self.wait(self._interval_s):
                break

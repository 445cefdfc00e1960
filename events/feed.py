"""Live fan-out of committed events to asyncio consumers (WebSocket and SSE clients).

The storage writer thread calls :meth:`EventFeed.publish` after each commit. Every subscriber has
its own bounded queue on its own event loop; a subscriber that falls behind is marked overflowed
and ends after the events it already holds, so the client can resume from its last ``seq`` (the
backlog then comes from storage). A slow client therefore never slows the writer or other clients.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence

from events.model import StoredEvent

log = logging.getLogger(__name__)

EventFilter = Callable[[StoredEvent], bool]


class FeedOverflowError(Exception):
    """The subscriber fell more than its queue size behind; resume from the last seq seen."""


class FeedSubscription:
    """One consumer's bounded queue; create it with :meth:`EventFeed.subscribe`."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        maxsize: int,
        match: EventFilter,
        on_overflow: Callable[[], None] = lambda: None,
    ) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[StoredEvent] = asyncio.Queue(maxsize)
        self._match = match
        self._on_overflow = on_overflow
        self.overflowed = False

    async def get(self) -> StoredEvent:
        """The next event; FeedOverflowError once the queue overflowed and is drained."""
        if self.overflowed and self._queue.empty():
            raise FeedOverflowError
        return await self._queue.get()

    def _offer(self, batch: Sequence[StoredEvent]) -> None:  # runs on the subscriber's loop
        for event in batch:
            if self.overflowed:
                return
            if not self._match(event):
                continue
            try:
                self._queue.put_nowait(event)
            except asyncio.QueueFull:
                self.overflowed = True
                self._on_overflow()
                log.warning(
                    "an event feed client fell %d events behind; closing it", self._queue.maxsize
                )


class EventFeed:
    """Thread-safe publisher, asyncio subscribers."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._subscribers: list[FeedSubscription] = []
        self._overflows = 0

    @property
    def overflows(self) -> int:
        """Subscribers closed because they fell more than ``queue_size`` events behind."""
        with self._lock:
            return self._overflows

    def _overflowed(self) -> None:
        with self._lock:
            self._overflows += 1

    def subscribe(self, match: EventFilter = lambda _: True) -> FeedSubscription:
        """Call from the consumer's running event loop."""
        subscription = FeedSubscription(
            asyncio.get_running_loop(), self.queue_size, match, self._overflowed
        )
        with self._lock:
            self._subscribers.append(subscription)
        return subscription

    def unsubscribe(self, subscription: FeedSubscription) -> None:
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)

    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, batch: Sequence[StoredEvent]) -> None:
        """Hand ``batch`` to every subscriber's loop; never blocks."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            try:
                subscription._loop.call_soon_threadsafe(subscription._offer, list(batch))
            except RuntimeError:  # its loop is closed: the client is gone
                self.unsubscribe(subscription)

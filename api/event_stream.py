"""Stored backlog, then live events, with nothing missed or repeated in between.

The feed subscription starts before the backlog is read, so an event committed while the backlog
is being sent waits in the subscription; events already sent are skipped by ``seq``. A client too
slow for its live queue falls back to reading storage again: it is never disconnected for being
slow, and never holds more than one queue of events in memory.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace

from starlette.concurrency import run_in_threadpool

from events import StoredEvent
from events.feed import FeedOverflowError
from service import Service
from storage import EventQuery

BACKLOG_PAGE = 500


async def follow_events(
    service: Service, filters: EventQuery, after: int | None
) -> AsyncGenerator[StoredEvent, None]:
    """Events matching ``filters`` with ``seq`` > ``after`` (from now on when None), forever."""
    last = after if after is not None else await run_in_threadpool(service.store.latest_seq)
    while True:
        subscription = service.feed.subscribe(lambda stored: filters.matches(stored.event))
        try:
            while True:  # the backlog, page by page
                page = await run_in_threadpool(
                    service.store.query, replace(filters, after_seq=last, limit=BACKLOG_PAGE)
                )
                for stored in page:
                    yield stored
                    last = stored.seq
                if len(page) < BACKLOG_PAGE:
                    break
            while True:
                stored = await subscription.get()
                if stored.seq > last:
                    yield stored
                    last = stored.seq
        except FeedOverflowError:
            continue  # resubscribe and catch up from storage
        finally:
            service.feed.unsubscribe(subscription)

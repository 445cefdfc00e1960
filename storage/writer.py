"""The event writer: analysers emit from their threads, one thread writes batches.

``emit`` only enqueues (bounded: it waits at most a second for room, then counts the event as
dropped and logs it). The writer thread takes up to ``batch_size`` events or whatever arrived
within ``flush_interval_s``, writes their thumbnails, inserts them in one transaction and then
hands the committed batch to the listeners (live feed, webhooks, MQTT). A database error keeps
the batch and retries it with backoff. ``stop`` writes everything still queued.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from analytics.counts import CountBuckets
from events import Event, Evidence, StoredEvent
from storage.event_store import EventStore
from storage.thumbnails import ThumbnailStore

log = logging.getLogger(__name__)

Listener = Callable[[list[StoredEvent]], None]
PUT_TIMEOUT_S = 1.0
RETRY_INITIAL_S = 0.5
RETRY_MAX_S = 10.0
STOP_POLL_S = 0.05


class EventWriter:
    def __init__(
        self,
        store: EventStore,
        thumbnails: ThumbnailStore,
        *,
        batch_size: int = 500,
        flush_interval_s: float = 0.2,
        queue_size: int = 10_000,
    ) -> None:
        self._store = store
        self._thumbnails = thumbnails
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self._queue: queue.Queue[tuple[Event, Evidence | None]] = queue.Queue(queue_size)
        self._listeners: list[Listener] = []
        self._accepting = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="trackcast-events", daemon=True)
        self._count_lock = threading.Lock()
        self.emitted = 0
        self.written = 0
        self.dropped = 0
        self.write_errors = 0

    def add_listener(self, listener: Listener) -> None:
        """Called with each committed batch, on the writer thread; must not block."""
        self._listeners.append(listener)

    def queue_depth(self) -> int:
        return self._queue.qsize()

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        if not self._accepting:
            raise RuntimeError("the event writer is stopped")
        with self._count_lock:
            self.emitted += 1
        try:
            self._queue.put((event, evidence), timeout=PUT_TIMEOUT_S)
        except queue.Full:
            with self._count_lock:
                self.dropped += 1
            log.error(
                "event queue full: %s %s on %s dropped", event.type, event.id, event.camera_id
            )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop accepting, write everything queued, join; True if it all got written."""
        self._accepting = False
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        elif self._thread.ident is None:  # never started: write what was emitted here
            self._drain()
        return not self._thread.is_alive() and self._queue.empty()

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._next_batch()
            if batch:
                self._write(batch)
        self._drain()  # what was queued when stop() came

    def _drain(self) -> None:
        while True:
            batch = self._take(block=False)
            if not batch:
                return
            self._write(batch)

    def _next_batch(self) -> list[tuple[Event, Evidence | None]]:
        """Up to ``batch_size`` events, waiting at most ``flush_interval_s`` after the first
        (in short slices, so that ``stop`` is noticed at once)."""
        batch: list[tuple[Event, Evidence | None]] = []
        deadline = time.monotonic() + self._flush_interval_s
        while len(batch) < self._batch_size and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if batch:
                    break
                deadline = time.monotonic() + self._flush_interval_s
                continue
            try:
                batch.append(self._queue.get(timeout=min(remaining, STOP_POLL_S)))
            except queue.Empty:
                continue
        return batch

    def _take(self, block: bool) -> list[tuple[Event, Evidence | None]]:
        batch: list[tuple[Event, Evidence | None]] = []
        while len(batch) < self._batch_size:
            try:
                batch.append(self._queue.get(block=block))
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list[tuple[Event, Evidence | None]]) -> None:
        items = [(event, self._thumbnail(event, evidence)) for event, evidence in batch]
        buckets = CountBuckets()
        for event, _ in batch:
            buckets.add(event)
        counts = buckets.drain()
        delay = RETRY_INITIAL_S
        while True:  # never give a batch up: stop()'s join bounds how long shutdown waits
            try:
                stored = self._store.insert(items, counts)
                break
            except Exception as error:
                self.write_errors += 1
                log.error(
                    "writing %d events failed (%s); retry in %.1f s", len(items), error, delay
                )
                if self._stop.is_set():
                    time.sleep(delay)
                else:
                    self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX_S)
        self.written += len(stored)
        for listener in self._listeners:
            try:
                listener(stored)
            except Exception:
                log.exception("an event listener failed")

    def _thumbnail(self, event: Event, evidence: Evidence | None) -> str | None:
        return self._thumbnails.save(event, evidence) if evidence is not None else None

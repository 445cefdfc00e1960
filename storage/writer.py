"""The event writer: analysers emit from their threads, one thread writes batches.

``emit`` never blocks (it runs on the shared detector thread): it crops the evidence to a small
image around the box and encodes it as the thumbnail's JPEG (so a queued event holds kilobytes,
not a frame nor a 100 KB crop: the queue can hold a long outage's events) and puts without
waiting; when the queue is full the event is dropped, counted and logged at most every
``DROP_LOG_INTERVAL_S``.
The writer thread takes up to ``batch_size`` events or whatever arrived within
``flush_interval_s``, writes their thumbnails, inserts them in one transaction and then hands the
committed batch to the listeners (live feed, webhooks, MQTT). A database error (a full disk, a
database that is down) keeps the batch and retries it with backoff while new events queue behind
it, in emission order, up to ``queue_size`` (then the newest are dropped and counted); once an
insert works again, the held batch and then the queue are written in that order. Events the
database rejects (a duplicate id) are logged and counted, never allowed to block the events behind
them. Each failure and recovery goes to :class:`StorageHealth` (one log line per change of state,
readiness, metrics), never a log line per retry. ``stop`` writes everything still queued, giving
up only on a database that stays down past its deadline: what it could not keep is counted in
``lost`` (why in ``lost_reason``) and no attempt starts after the deadline. The thread beats a
:class:`Heartbeat`.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from analytics.counts import CountBuckets
from events import Event, Evidence, StoredEvent
from storage.event_store import EventStore
from storage.health import StorageHealth, StoragePart
from storage.health import reason as _reason
from storage.thumbnails import ThumbnailStore, encode
from stream.worker import Worker

log = logging.getLogger(__name__)

Listener = Callable[[list[StoredEvent]], None]
Item = tuple[Event, bytes | None]
"""An event and its thumbnail's JPEG."""
Row = tuple[Event, str | None]
DROP_LOG_INTERVAL_S = 10.0
RETRY_INITIAL_S = 0.5
RETRY_MAX_S = 5.0
STOPPING_RETRY_S = 0.5
"""Retry interval while ``stop`` waits for a failing database (until its deadline)."""
STOP_POLL_S = 0.05
JOIN_GRACE_S = 1.0


class EventWriter(Worker):
    """The :class:`events.EventSink` that stores events; counters feed the metrics.

    Attributes:
        emitted: ``emit`` calls accepted (written, dropped, rejected or lost ones included).
        written: Events committed.
        dropped: Events not queued because the queue was full.
        rejected: Events the database refused (a duplicate id): logged, never retried.
        lost: Events given up on because the database was still failing when ``stop`` timed out.
        lost_reason: Why they were (the database's last error).
        write_errors: Failed insert attempts (each retried).
        thumbnail_errors: Thumbnails that could not be saved (their events are stored without).
        health: Where insert failures and recoveries are reported.
    """

    def __init__(
        self,
        store: EventStore,
        thumbnails: ThumbnailStore,
        *,
        batch_size: int = 500,
        flush_interval_s: float = 0.2,
        queue_size: int = 10_000,
        health: StorageHealth | None = None,
    ) -> None:
        super().__init__("events")
        self._store = store
        self._thumbnails = thumbnails
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self.max_pending = queue_size
        self._queue: queue.Queue[Item] = queue.Queue(queue_size)
        self._held = 0  # events taken from the queue, not yet written or given up
        self.health = health or StorageHealth()
        self._listeners: list[Listener] = []
        self._state = threading.Condition()
        self._accepting = True
        self._putting = 0  # emit calls past the ``accepting`` check, not yet done with their put
        self._gave_up = False  # the deadline passed with the database failing: no more attempts
        self._abandoned = False  # stop() returned without the thread: it counted what was held
        self._deadline = math.inf  # set by stop(): when to give up on a failing database
        self.emitted = 0
        self.written = 0
        self.dropped = 0
        self.rejected = 0
        self.lost = 0
        self.lost_reason: str | None = None
        self.write_errors = 0
        self.thumbnail_errors = 0
        self._drops_unlogged = 0
        self._drop_logged_at = -math.inf

    def add_listener(self, listener: Listener) -> None:
        """Called with each committed batch, on the writer thread; must not block."""
        self._listeners.append(listener)

    def queue_depth(self) -> int:
        return self._queue.qsize()

    def pending(self) -> int:
        """Events held in memory: queued, plus the batch being written (or retried)."""
        return self._queue.qsize() + self._held

    @property
    def failing(self) -> str | None:
        """Why inserts fail while the database keeps failing; None while they work."""
        failure = self.health.failure(StoragePart.DATABASE)
        return failure.reason if failure is not None else None

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        """Queue ``event`` without waiting (a full queue drops it, counted in ``dropped``);
        RuntimeError once ``stop`` was called."""
        with self._state:
            if not self._accepting:
                raise RuntimeError("the event writer is stopped")
            self.emitted += 1
            self._putting += 1
        try:
            self._queue.put_nowait((event, self._encode(event, evidence)))
        except queue.Full:
            self._drop(event)
        finally:
            with self._state:
                self._putting -= 1
                self._state.notify_all()

    def _encode(self, event: Event, evidence: Evidence | None) -> bytes | None:
        """The thumbnail's JPEG, so that the queue never holds frames; None (counted in
        ``thumbnail_errors``) for unusable evidence: it costs the thumbnail, never the event."""
        if evidence is None:
            return None
        try:
            return encode(evidence)
        except Exception:
            with self._state:
                self.thumbnail_errors += 1
            log.exception("thumbnail for event %s on %s failed", event.id, event.camera_id)
            return None

    def _drop(self, event: Event) -> None:
        """Count a dropped event; log at most every ``DROP_LOG_INTERVAL_S`` with how many."""
        now = time.monotonic()
        with self._state:
            self.dropped += 1
            self._drops_unlogged += 1
            if now - self._drop_logged_at < DROP_LOG_INTERVAL_S:
                return
            count, self._drops_unlogged, self._drop_logged_at = self._drops_unlogged, 0, now
        log.error(
            "event queue full (storage is behind): %d events dropped, the last %s %s on %s",
            count, event.type, event.id, event.camera_id,
        )  # fmt: skip

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop accepting, write everything queued, join; True if it all got written.

        Waits at most ``timeout_s`` (plus a second's grace for an attempt in progress); a
        database still failing then makes the writer give up on what it holds: counted in
        ``lost``, the database's error in ``lost_reason``. A thread still inside an attempt by
        then is left behind (a daemon), what it holds counted as lost."""
        deadline = time.monotonic() + timeout_s
        with self._state:
            self._accepting = False
            self._state.wait_for(
                lambda: self._putting == 0, timeout=max(0.0, deadline - time.monotonic())
            )
        self._deadline = deadline
        started = self.started
        ended = super().stop(max(0.0, deadline - time.monotonic()) + JOIN_GRACE_S)
        if not started:  # never started: write what was emitted here
            self._drain()
        if not ended:
            self._abandon()
        return ended and self._queue.empty() and self.lost == 0

    def _abandon(self) -> None:
        """The thread missed the deadline inside an attempt: count what it holds as lost now
        (the process is about to end) and keep it from counting or attempting anything more."""
        with self._state:
            self._gave_up = self._abandoned = True
            self.lost += self.pending()
            self.lost_reason = self.failing or "the last insert did not finish in time"

    def run(self) -> None:
        while not self.stopping:
            self.heartbeat.beat(self._flush_interval_s)
            batch = self._next_batch()
            if batch:
                self._write(batch)
        self._drain()  # what was queued when stop() came

    def _drain(self) -> None:
        while batch := self._take():
            if self._gave_up:  # the deadline passed: no attempt, however quick it might be
                with self._state:
                    self.lost += 0 if self._abandoned else len(batch)
                self._held = 0
            else:
                self._write(batch)

    def _next_batch(self) -> list[Item]:
        """Up to ``batch_size`` events, waiting at most ``flush_interval_s`` (in short slices,
        so that ``stop`` is noticed at once)."""
        batch: list[Item] = []
        deadline = time.monotonic() + self._flush_interval_s
        while len(batch) < self._batch_size and not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if batch:
                    break
                deadline = time.monotonic() + self._flush_interval_s
                continue
            try:
                batch.append(self._queue.get(timeout=min(remaining, STOP_POLL_S)))
                self._held += 1
            except queue.Empty:
                continue
        return batch

    def _take(self) -> list[Item]:
        batch: list[Item] = []
        while len(batch) < self._batch_size:
            try:
                batch.append(self._queue.get_nowait())
                self._held += 1
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list[Item]) -> None:
        try:
            rows = [(event, self._thumbnail(event, evidence)) for event, evidence in batch]
            stored = self._insert(rows)
        finally:
            self._held = 0
        with self._state:
            if self._abandoned:
                return  # stop() counted these as lost
            self.written += len(stored)
        if not stored:
            return
        for listener in self._listeners:
            try:
                listener(stored)
            except Exception:
                log.exception("an event listener failed")

    def _insert(self, rows: list[Row]) -> list[StoredEvent]:
        """Insert ``rows`` in one transaction, retrying with backoff until it works or the
        ``stop`` deadline passes. If the database refuses the batch (a constraint), the rows go
        one by one and only those it refuses are left out."""
        stored: list[StoredEvent] = []
        pending = rows
        one_by_one = False
        delay = RETRY_INITIAL_S
        while pending:
            chunk = pending[:1] if one_by_one else pending
            try:
                stored += _insert(self._store, chunk)
            except Exception as error:
                self.write_errors += 1
                if _refused(error):
                    if one_by_one:
                        self._reject(chunk[0], _reason(error))
                        pending = pending[1:]
                    else:
                        log.error("the database refused %d events (%s); inserting one by one",
                                  len(chunk), _reason(error))  # fmt: skip
                        one_by_one = True
                    continue
                self.health.failed(StoragePart.DATABASE, _reason(error), held=self.pending())
                if not self._wait_to_retry(delay):
                    self._give_up(pending, error)
                    break
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            pending = pending[len(chunk) :]
            delay = RETRY_INITIAL_S
            self.health.recovered(StoragePart.DATABASE, late=self.pending())
        return stored

    def _wait_to_retry(self, delay: float) -> bool:
        """Sleep ``delay`` before the next attempt (``STOPPING_RETRY_S`` at most once ``stop``
        was called); False when the next attempt would start past ``stop``'s deadline."""
        if self.stopping:
            pause = min(delay, STOPPING_RETRY_S)
            if self._gave_up or time.monotonic() + pause >= self._deadline:
                return False
            self.heartbeat.beat(pause)
            time.sleep(pause)
            return True
        self.heartbeat.beat(delay)
        self.wait(delay)  # stop() cuts the wait short: retry, then drain
        return True

    def _reject(self, row: Row, reason: str) -> None:
        # Its thumbnail stays: with a duplicate id, the file is the stored event's too.
        self.rejected += 1
        event = row[0]
        log.error("event %s on %s refused by the database, not stored: %s",
                  event.id, event.camera_id, reason)  # fmt: skip

    def _give_up(self, rows: list[Row], error: Exception) -> None:
        with self._state:
            if self._abandoned:
                return
            self._gave_up = True
            self.lost += len(rows)
            self.lost_reason = _reason(error)
        log.error(
            "stopping: the database still fails (%s): events from %s on are not stored",
            self.lost_reason, rows[0][0].id,
        )  # fmt: skip
        self._delete_thumbnails(rows)

    def _delete_thumbnails(self, rows: Sequence[Row]) -> None:
        for _, thumbnail in rows:
            if thumbnail is not None:
                self._thumbnails.delete(thumbnail)

    def _thumbnail(self, event: Event, jpeg: bytes | None) -> str | None:
        """Save the thumbnail; None (counted) if it cannot be written, e.g. on a full disk."""
        if jpeg is None:
            return None
        try:
            relative = self._thumbnails.save_jpeg(event, jpeg)
        except Exception:  # a bug here costs the thumbnail, never the event
            log.exception("thumbnail for event %s failed", event.id)
            relative = None
        if relative is None:
            self.thumbnail_errors += 1
        return relative


def _insert(store: EventStore, rows: list[Row]) -> list[StoredEvent]:
    """Insert ``rows`` with the footfall counts their events add, in one transaction."""
    buckets = CountBuckets()
    for event, _ in rows:
        buckets.add(event)
    return store.insert(rows, buckets.drain())


def _refused(error: Exception) -> bool:
    """Whether the database (or SQLAlchemy, binding the values) refused the data itself, so that
    retrying the same rows cannot help: a duplicate id, a value too long, JSON it cannot encode."""
    if isinstance(error, IntegrityError | DataError | TypeError | ValueError):
        return True  # psycopg lets JSON's TypeError through unwrapped
    return isinstance(error, StatementError) and not isinstance(error, DBAPIError)

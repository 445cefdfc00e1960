"""POST committed events to one webhook URL: signed, retried with backoff, dead-lettered.

:meth:`WebhookSender.deliver` runs on the storage writer thread and only enqueues. One thread per
webhook sends, one event per request, with these headers:

- ``Content-Type: application/json``; the body is :meth:`StoredEvent.to_json` as compact JSON;
- ``Idempotency-Key``: the event id (the same on every attempt: receivers deduplicate by it);
- ``X-Trackcast-Event``: the event type;
- ``X-Trackcast-Delivery-Attempt``: 1 on the first attempt, 2 on the first retry, ...;
- ``X-Trackcast-Signature`` when the webhook has a secret (see :mod:`delivery.signing`).

Outcomes:

- a 2xx response delivers the event;
- a 4xx response other than 408 (timeout), 425 (too early) and 429 (too many requests) is
  permanent: the receiver refused this request and sending the same bytes again will not change
  that, so the event is dead-lettered at once (replay it from the dead letters once the receiver
  is fixed);
- anything else (3xx, 5xx, 408, 425, 429, timeout, connection error) is retried after
  ``backoff_initial_s``, doubling up to ``backoff_max_s``, each delay spread by +-20 %; a
  ``Retry-After`` header in seconds (at most an hour) is honoured when it asks for longer. After
  ``max_attempts`` attempts the event is dead-lettered.

Events waiting for a retry sit in a heap ordered by due time, so a failing event never holds back
the ones behind it; only the request in flight does, for at most ``timeout_s``.

At most ``queue_size`` events are pending (queued, in flight or awaiting a retry); an event that
arrives when that many are pending is dead-lettered at once with "delivery queue full". Events
still pending at :meth:`WebhookSender.stop` are dead-lettered with "service stopped before
delivery". Logs and dead letters name the URL with credentials redacted; the password in the URL
is sent as HTTP Basic authentication and never appears in a request URL.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from config.models import WebhookConfig
from delivery.dead_letters import DeadLetterSink
from delivery.signing import SIGNATURE_HEADER, sign
from delivery.stats import DeliveryStats
from events.model import StoredEvent
from stream.heartbeat import Heartbeat, ThreadHealth
from stream.redact import redact_text, redact_url

log = logging.getLogger(__name__)

QUEUE_FULL = "delivery queue full"
STOPPED = "service stopped before delivery"
RETRYABLE_4XX = frozenset({408, 425, 429})
RETRY_AFTER_CAP_S = 3600.0
JITTER = 0.2


@dataclass(eq=False, slots=True)
class _Pending:
    stored: StoredEvent
    attempts: int = 0
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class _Outcome:
    error: str | None = None
    """None when delivered."""
    permanent: bool = False
    retry_after_s: float = 0.0


class WebhookSender:
    """Delivers events to one webhook on its own thread; see the module docstring."""

    def __init__(
        self,
        config: WebhookConfig,
        dead_letters: DeadLetterSink,
        *,
        queue_size: int = 10_000,
        rng: random.Random | None = None,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.config = config
        self.target = redact_url(config.url)
        self._url, self._auth = _split_credentials(config.url)
        self._dead_letters = dead_letters
        self._queue_size = queue_size
        self._types = frozenset(config.events)
        self._rng = rng or random.Random()
        self._cond = threading.Condition()
        self._incoming: deque[_Pending] = deque()
        self._retries: list[tuple[float, int, _Pending]] = []
        self._tiebreak = itertools.count()
        self._sending: _Pending | None = None
        self._stopping = False
        self._overflowing = False
        self._thread: threading.Thread | None = None
        self.heartbeat = Heartbeat(f"webhook {self.target}")
        self.delivered = 0
        self.failed_attempts = 0
        self.dead_lettered = 0
        self.overflowed = 0
        """Events refused because the queue was full (they are also counted as dead-lettered)."""

    def deliver(self, batch: Sequence[StoredEvent]) -> None:
        """Enqueue the events this webhook wants; never blocks on the network."""
        refused: list[tuple[_Pending, str]] = []
        with self._cond:
            for stored in batch:
                if self._types and stored.event.type not in self._types:
                    continue
                pending = _Pending(stored)
                if self._stopping:
                    refused.append((pending, STOPPED))
                elif self._depth_locked() >= self._queue_size:
                    self.overflowed += 1
                    refused.append((pending, QUEUE_FULL))
                else:
                    self._incoming.append(pending)
            self._cond.notify()
        overflowing = any(reason == QUEUE_FULL for _, reason in refused)
        if overflowing and not self._overflowing:
            log.warning(
                "webhook %s: %d events pending, dead-lettering new ones until it catches up",
                self.target,
                self._queue_size,
            )
        self._overflowing = overflowing
        late = sum(reason == STOPPED for _, reason in refused)
        if late:
            log.warning("webhook %s: %d events came after stop; dead-lettered", self.target, late)
        for pending, reason in refused:
            self._give_up(pending, reason)

    def queue_depth(self) -> int:
        """Events queued, in flight or waiting for a retry."""
        with self._cond:
            return self._depth_locked()

    def stats(self) -> DeliveryStats:
        with self._cond:
            return DeliveryStats(
                target=self.target,
                delivered=self.delivered,
                failed=self.failed_attempts,
                dead_lettered=self.dead_lettered,
                queue_depth=self._depth_locked(),
            )

    def threads(self) -> list[ThreadHealth]:
        return [self.heartbeat.health()]

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"webhook {self.target} was already started")
        self._thread = threading.Thread(
            target=self.heartbeat.guard(self._run),
            name=f"trackcast-webhook {self.target}",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop sending within ``timeout_s`` and dead-letter what is still pending. False when a
        request was still in flight at the deadline: its outcome is recorded when it ends."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        finished = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            finished = not self._thread.is_alive()
        with self._cond:
            left = [*self._incoming, *(pending for _, _, pending in self._retries)]
            self._incoming.clear()
            self._retries.clear()
        if left:
            log.warning(
                "webhook %s: stopped with %d events undelivered; they are in the dead letters",
                self.target,
                len(left),
            )
        for pending in left:
            self._give_up(pending, STOPPED)
        return finished

    def _depth_locked(self) -> int:
        return len(self._incoming) + len(self._retries) + (self._sending is not None)

    def _run(self) -> None:
        with httpx.Client(
            auth=self._auth, timeout=self.config.timeout_s, follow_redirects=False
        ) as client:
            while (pending := self._next()) is not None:
                try:
                    self._attempt(client, pending)
                except Exception as exc:  # a bug must not strand every later event
                    log.exception("webhook %s: delivery thread error", self.target)
                    with self._cond:
                        self._sending = None
                    self._give_up(pending, f"internal error: {exc!r}")

    def _next(self) -> _Pending | None:
        """The oldest due retry, else the oldest new event; None once stopping."""
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if self._retries and self._retries[0][0] <= now:
                    self._sending = heapq.heappop(self._retries)[2]
                elif self._incoming:
                    self._sending = self._incoming.popleft()
                else:
                    wait = self._retries[0][0] - now if self._retries else None
                    self.heartbeat.beat(math.inf if wait is None else wait)  # idle is not stuck
                    self._cond.wait(wait)
                    continue
                # one attempt: connect, write, read (httpx's timeout applies to each)
                self.heartbeat.beat(4 * self.config.timeout_s)
                return self._sending
            return None

    def _attempt(self, client: httpx.Client, pending: _Pending) -> None:
        pending.attempts += 1
        outcome = self._post(client, pending)
        reason: str | None = None
        delay = 0.0
        with self._cond:
            self._sending = None
            if outcome.error is None:
                self.delivered += 1
                return
            self.failed_attempts += 1
            if outcome.permanent:
                reason = f"permanent failure: {outcome.error}"
            elif pending.attempts >= self.config.max_attempts:
                reason = outcome.error
            elif self._stopping:
                reason = STOPPED
                log.warning(
                    "webhook %s: stopped during attempt %d of event %s (%s); dead-lettered",
                    self.target,
                    pending.attempts,
                    pending.stored.event.id,
                    outcome.error,
                )
            else:
                delay = self._retry_delay(pending.attempts, outcome.retry_after_s)
                due = time.monotonic() + delay
                heapq.heappush(self._retries, (due, next(self._tiebreak), pending))
        if reason is None:
            log.info(
                "webhook %s: event %s attempt %d of %d failed (%s); retrying in %.2f s",
                self.target,
                pending.stored.event.id,
                pending.attempts,
                self.config.max_attempts,
                outcome.error,
                delay,
            )
        else:
            self._give_up(pending, reason)

    def _post(self, client: httpx.Client, pending: _Pending) -> _Outcome:
        event = pending.stored.event
        if pending.body is None:
            try:
                pending.body = json.dumps(pending.stored.to_json(), separators=(",", ":")).encode()
            except (TypeError, ValueError) as exc:
                return _Outcome(f"event is not JSON-serialisable: {exc}", permanent=True)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": event.id,
            "X-Trackcast-Event": event.type,
            "X-Trackcast-Delivery-Attempt": str(pending.attempts),
        }
        if self.config.secret is not None:
            headers[SIGNATURE_HEADER] = sign(self.config.secret, int(time.time()), pending.body)
        try:
            response = client.post(self._url, content=pending.body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            detail = redact_text(str(exc).replace(self._url, self.target)) or "no detail"
            return _Outcome(f"{type(exc).__name__}: {detail}")
        status = response.status_code
        if 200 <= status < 300:
            return _Outcome()
        permanent = 400 <= status < 500 and status not in RETRYABLE_4XX
        return _Outcome(
            f"HTTP {status}",
            permanent=permanent,
            retry_after_s=_retry_after_s(response.headers.get("Retry-After")),
        )

    def _retry_delay(self, attempts: int, retry_after_s: float) -> float:
        """Seconds before retry number ``attempts``: exponential, jittered, capped."""
        initial = self.config.backoff_initial_s
        cap = max(initial, self.config.backoff_max_s)
        base = min(cap, initial * 2.0 ** min(attempts - 1, 32))
        delay = min(cap, base * (1.0 + self._rng.uniform(-JITTER, JITTER)))
        return max(delay, retry_after_s)

    def _give_up(self, pending: _Pending, reason: str) -> None:
        with self._cond:
            self.dead_lettered += 1
        if reason not in (QUEUE_FULL, STOPPED):  # those two are logged once per batch
            log.warning(
                "webhook %s: gave up on event %s after %d attempts: %s",
                self.target,
                pending.stored.event.id,
                pending.attempts,
                reason,
            )
        try:
            self._dead_letters.dead_letter(pending.stored, self.target, pending.attempts, reason)
        except Exception:
            log.exception(
                "webhook %s: could not record dead letter for event %s",
                self.target,
                pending.stored.event.id,
            )


def _split_credentials(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """``url`` without its user info, and that user info as Basic authentication."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    stripped = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return stripped, httpx.BasicAuth(unquote(user), unquote(password))


def _retry_after_s(value: str | None) -> float:
    """The seconds form of ``Retry-After`` (the HTTP-date form is ignored), capped at an hour."""
    if value is None:
        return 0.0
    try:
        seconds = float(value.strip())
    except ValueError:
        return 0.0
    if not math.isfinite(seconds) or seconds < 0:
        return 0.0
    return min(seconds, RETRY_AFTER_CAP_S)

"""POST committed events to one webhook URL: signed, retried with backoff, dead-lettered, from
the outbox in the database, so that nothing pending is lost across a restart.

The events to send are the webhook's rows in the outbox (:mod:`storage.outbox`), queued in the
same transaction that stored them. :meth:`WebhookSender.deliver` (the writer's listener) only
wakes the sender thread; it also looks every ``poll_interval_s`` by itself. The thread reads the
rows in seq order, ``batch_size`` at a time, and sends one event per request with these headers:

- ``Content-Type: application/json``; the body is :meth:`StoredEvent.to_json` as compact JSON;
- ``Idempotency-Key``: the event id (the same on every attempt, before and after a restart:
  receivers deduplicate by it);
- ``X-Trackcast-Event``: the event type;
- ``X-Trackcast-Delivery-Attempt``: 1 on the first attempt, 2 on the first retry, ...;
- when the webhook has a secret, the Standard Webhooks headers ``webhook-id``,
  ``webhook-timestamp`` and ``webhook-signature`` (see :mod:`delivery.standard_webhooks`), and
  the deprecated ``X-Trackcast-Signature`` (see :mod:`delivery.signing`; it goes away in the
  next release).

Outcomes:

- a 2xx response delivers the event: its row is deleted;
- a 4xx response other than 408 (timeout), 425 (too early) and 429 (too many requests) is
  permanent: the receiver refused this request and sending the same bytes again will not change
  that, so the event moves to the dead letters at once (retry it through the API once the
  receiver is fixed);
- anything else (3xx, 5xx, 408, 425, 429, timeout, connection error) is retried after
  ``backoff_initial_s``, doubling up to ``backoff_max_s``, each delay spread by +-20 %; a
  ``Retry-After`` header in seconds (at most an hour) is honoured when it asks for longer. The
  attempt count and the next attempt's time are kept in the row. After ``max_attempts`` attempts
  the event moves to the dead letters.

Delivery is in order and at least once: an event is not sent before the earlier ones of the
same webhook were delivered or dead-lettered, so a failing event holds back the ones behind it
for up to its ``max_attempts`` (a receiver that is down holds back everything, which is what
waits for it). A restart, or a crash between a receiver's 2xx and the row's deletion, can send
an event again, with the same ``Idempotency-Key``.

:meth:`WebhookSender.stop` leaves pending rows in the outbox: the next start sends them. Logs and
dead letters name the URL with credentials redacted; the password in the URL is sent as HTTP
Basic authentication and never appears in a request URL.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx2

from config.models import WebhookConfig
from delivery.signing import SIGNATURE_HEADER, sign
from delivery.standard_webhooks import signature_headers, signing_key
from delivery.stats import DeliveryStats
from delivery.wakeup import Wakeup
from events.model import StoredEvent
from storage.outbox import Outbox, Pending
from storage.subscriptions import Subscription
from stream.heartbeat import ThreadHealth
from stream.redact import redact_text
from stream.worker import Worker

log = logging.getLogger(__name__)

RETRYABLE_4XX = frozenset({408, 425, 429})
RETRY_AFTER_CAP_S = 3600.0
JITTER = 0.2
BATCH_SIZE = 100
POLL_INTERVAL_S = 2.0
DATABASE_WAIT_S = 30.0
"""How long one outbox read or update may take (SQLite's busy timeout) before the thread
counts as stalled."""


@dataclass(frozen=True, slots=True)
class _Outcome:
    error: str | None = None
    """None when delivered."""
    permanent: bool = False
    retry_after_s: float = 0.0


class WebhookSender(Worker):
    """Delivers one webhook's outbox rows on its own thread; see the module docstring."""

    def __init__(
        self,
        config: WebhookConfig,
        outbox: Outbox,
        subscription: Subscription,
        *,
        batch_size: int = BATCH_SIZE,
        poll_interval_s: float = POLL_INTERVAL_S,
        rng: random.Random | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.config = config
        self.subscription = subscription
        self.target = subscription.target
        super().__init__(f"webhook {self.target}")
        self._url, self._auth = _split_credentials(config.url)
        self._key = signing_key(config.secret) if config.secret is not None else None
        self._outbox = outbox
        self._batch_size = batch_size
        self._rng = rng or random.Random()
        self._wakeup = Wakeup(poll_interval_s)
        self._lock = threading.Lock()
        self._depth = 0
        self._store_failing = False
        self.delivered = 0
        self.failed_attempts = 0
        self.dead_lettered = 0

    def deliver(self, batch: Sequence[StoredEvent]) -> None:
        """Wake the sender if the batch has events for this webhook (the writer queued them in
        the outbox already); never blocks."""
        if any(self.subscription.wants(stored.event.type) for stored in batch):
            self._wakeup.hint()

    def nudge(self) -> None:
        """Look at the outbox now (after a dead letter was put back)."""
        self._wakeup.hint()

    def wake(self) -> None:
        """Called by ``stop``: end every wait of the loop."""
        self._wakeup.stop()

    def queue_depth(self) -> int:
        """Events waiting in the outbox (the last count when the database cannot answer)."""
        try:
            depth = self._outbox.depth(self.subscription.key)
        except Exception:
            return self._depth
        self._depth = depth
        return depth

    def stats(self) -> DeliveryStats:
        depth = self.queue_depth()
        with self._lock:
            return DeliveryStats(
                target=self.target,
                delivered=self.delivered,
                failed=self.failed_attempts,
                dead_lettered=self.dead_lettered,
                queue_depth=depth,
            )

    def threads(self) -> list[ThreadHealth]:
        return [self.heartbeat.health()]

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop sending within ``timeout_s``; pending events stay in the outbox for the next
        start. False when a request was still in flight at the deadline: its outcome is
        recorded when it ends."""
        finished = super().stop(timeout_s)
        if self.started:
            left = self.queue_depth()
            if left:
                log.info(
                    "webhook %s: %d events still to deliver; they stay queued for the next start",
                    self.target,
                    left,
                )
        return finished

    def run(self) -> None:
        with httpx2.Client(
            auth=self._auth, timeout=self.config.timeout_s, follow_redirects=False
        ) as client:
            while self._wakeup.clear():
                self.heartbeat.beat(DATABASE_WAIT_S)
                try:
                    batch = self._outbox.head(self.subscription.key, self._batch_size)
                    self._healthy()
                except Exception as error:
                    self._store_failed(error)
                    continue
                if not batch:
                    self.heartbeat.beat(math.inf)  # idle is not stuck
                    self._wakeup.idle()
                    continue
                self._send(client, batch)

    def _send(self, client: httpx2.Client, batch: list[Pending]) -> None:
        """Send ``batch`` in order; return at the first event that is to be retried later."""
        for item in batch:
            self.heartbeat.beat(max(0.0, item.next_attempt_at - time.time()) + 1.0)
            if not self._wakeup.until(item.next_attempt_at):
                return
            # one attempt: connect, write, read (httpx2's timeout applies to each)
            self.heartbeat.beat(4 * self.config.timeout_s)
            try:
                settled = self._attempt(client, item)
            except Exception as error:  # the database failed: the row is still there
                self._store_failed(error)
                return
            if not settled:
                return

    def _attempt(self, client: httpx2.Client, item: Pending) -> bool:
        """One attempt; True when the row is settled (delivered or dead-lettered)."""
        attempts = item.attempts + 1
        outcome = self._post(client, item, attempts)
        key = self.subscription.key
        if outcome.error is None:
            self._outbox.delivered(key, item.seq)
            with self._lock:
                self.delivered += 1
            return True
        with self._lock:
            self.failed_attempts += 1
        if outcome.permanent or attempts >= self.config.max_attempts:
            reason = f"permanent failure: {outcome.error}" if outcome.permanent else outcome.error
            self._outbox.dead_letter(self.subscription, item, attempts, reason)
            with self._lock:
                self.dead_lettered += 1
            log.warning(
                "webhook %s: gave up on event %s after %d attempts: %s",
                self.target, item.event_id, attempts, reason,
            )  # fmt: skip
            return True
        delay = self._retry_delay(attempts, outcome.retry_after_s)
        self._outbox.postpone(key, item.seq, attempts, time.time() + delay)
        log.info(
            "webhook %s: event %s attempt %d of %d failed (%s); retrying in %.2f s",
            self.target, item.event_id, attempts, self.config.max_attempts, outcome.error, delay,
        )  # fmt: skip
        return False

    def _post(self, client: httpx2.Client, item: Pending, attempts: int) -> _Outcome:
        try:
            body = json.dumps(item.payload, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            return _Outcome(f"event is not JSON-serialisable: {exc}", permanent=True)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": item.event_id,
            "X-Trackcast-Event": item.event_type,
            "X-Trackcast-Delivery-Attempt": str(attempts),
        }
        if self.config.secret is not None and self._key is not None:
            now = int(time.time())
            headers.update(signature_headers(self._key, item.event_id, now, body))
            headers[SIGNATURE_HEADER] = sign(self.config.secret, now, body)  # deprecated
        try:
            response = client.post(self._url, content=body, headers=headers)
        except (httpx2.HTTPError, httpx2.InvalidURL) as exc:
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

    def _healthy(self) -> None:
        if self._store_failing:
            self._store_failing = False
            log.info("webhook %s: the outbox can be read again", self.target)

    def _store_failed(self, error: Exception) -> None:
        """Log once per failure streak, then wait a poll interval (the rows are safe)."""
        if not self._store_failing:
            self._store_failing = True
            log.error(
                "webhook %s: the outbox cannot be read or updated (%s: %s); retrying",
                self.target, type(error).__name__, str(error).splitlines()[0] if str(error) else "",
            )  # fmt: skip
        self.heartbeat.beat(self._wakeup.poll_interval_s + 1.0)
        self._wakeup.idle(self._wakeup.poll_interval_s)


def _split_credentials(url: str) -> tuple[str, httpx2.BasicAuth | None]:
    """``url`` without its user info, and that user info as Basic authentication."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    stripped = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return stripped, httpx2.BasicAuth(unquote(user), unquote(password))


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

"""WebhookSender reading a real outbox (SQLite) against a real HTTP receiver on 127.0.0.1 that
fails on purpose."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from config.models import WebhookConfig
from delivery.keys import webhook_subscriptions
from delivery.signing import verify
from delivery.webhooks import WebhookSender
from events import Event, StoredEvent
from tests.delivery.database import Database
from tests.delivery.receiver import Reply, WebhookReceiver
from tests.waiting import wait_until

SECRET = "whsec-delivery-test"
TYPES = ("track.started", "line.crossed", "zone.entered", "track.ended")


def _events(count: int, types: tuple[str, ...] = TYPES) -> list[Event]:
    return [
        Event(
            type=types[n % len(types)],
            camera_id=f"cam-{n % 2}",
            time=1_700_000_000.0 + n,
            track_id=n,
            data={"n": n},
        )
        for n in range(1, count + 1)
    ]


@pytest.fixture
def senders() -> Iterator[list[WebhookSender]]:
    """Senders a test creates; each is stopped at teardown (a no-op when the test stopped it)."""
    created: list[WebhookSender] = []
    yield created
    for sender in created:
        assert sender.stop(5)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("trackcast-webhook")]


def _sender(
    senders: list[WebhookSender],
    database: Database,
    url: str,
    *,
    batch_size: int = 100,
    **config: Any,
) -> WebhookSender:
    """A sender for ``url`` whose subscription the database's inserts now queue for."""
    settings = {"backoff_initial_s": 0.05, "backoff_max_s": 0.2, "timeout_s": 2.0, **config}
    webhook = WebhookConfig(url=url, **settings)
    [subscription] = webhook_subscriptions([webhook])
    database.subscribe(subscription)
    sender = WebhookSender(webhook, database.outbox, subscription, batch_size=batch_size)
    senders.append(sender)
    return sender


def _add(database: Database, sender: WebhookSender, events: list[Event]) -> list[StoredEvent]:
    """What the writer does: insert (queueing the rows), then hand the batch to the sender."""
    stored = database.add(events)
    sender.deliver(stored)
    return stored


def test_every_event_is_accepted_exactly_once_in_order_after_failures(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    # first attempt: 500; second: connection closed without a response; third: accepted
    receiver.policy = lambda key, seen: {1: Reply(500), 2: Reply(drop=True)}.get(seen, Reply())
    sender = _sender(senders, database, receiver.url(), secret=SECRET, max_attempts=5)
    sender.start()
    events = _events(8)
    stored = _add(database, sender, events[:3]) + _add(database, sender, events[3:])

    wait_until(lambda: sender.delivered == 8, timeout_s=30)
    accepted = receiver.accepted()
    assert [request.key for request in accepted] == [e.id for e in events]  # in order
    by_id = {s.event.id: s for s in stored}
    for request in accepted:
        assert json.loads(request.body) == by_id[request.key].to_json()
        assert request.headers["content-type"] == "application/json"
        assert request.headers["x-trackcast-event"] == by_id[request.key].event.type
        assert request.headers["x-trackcast-delivery-attempt"] == "3"
        assert verify(SECRET, request.headers["x-trackcast-signature"], request.body)
        assert request.path == "/hook"
    # an event is not attempted before the one ahead of it is delivered
    assert [r.key for r in receiver.received()] == [e.id for e in events for _ in range(3)]
    wait_until(lambda: sender.queue_depth() == 0, timeout_s=5)
    assert (sender.failed_attempts, sender.dead_lettered) == (16, 0)
    assert database.dead_letters() == []
    stats = sender.stats()
    assert (stats.delivered, stats.failed, stats.queue_depth) == (8, 16, 0)


def test_an_attempt_that_times_out_is_retried(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(delay_s=5.0) if seen == 1 else Reply()
    sender = _sender(senders, database, receiver.url(), timeout_s=0.3)
    sender.start()
    _add(database, sender, _events(1))
    wait_until(lambda: sender.delivered == 1, timeout_s=10)
    assert [r.headers["x-trackcast-delivery-attempt"] for r in receiver.received()] == ["1", "2"]
    assert sender.failed_attempts == 1


def test_events_that_always_fail_are_dead_lettered_after_max_attempts(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(503)
    sender = _sender(senders, database, receiver.url(), max_attempts=3)
    sender.start()
    events = _events(4)
    stored = _add(database, sender, events)

    # the sender counts a dead letter just after writing its row
    wait_until(
        lambda: len(database.dead_letters()) == 4 and sender.dead_lettered == 4, timeout_s=20
    )
    letters = database.dead_letters()
    assert [letter.event_seq for letter in letters] == [s.seq for s in stored]
    assert {(x.attempts, x.last_error, x.target) for x in letters} == {
        (3, "HTTP 503", receiver.url())
    }
    assert {x.subscription for x in letters} == {sender.subscription.key}
    assert [x.payload for x in letters] == [s.to_json() for s in stored]
    assert [r.key for r in receiver.received()] == [e.id for e in events for _ in range(3)]
    assert (sender.delivered, sender.failed_attempts, sender.dead_lettered) == (0, 12, 4)
    assert sender.queue_depth() == 0


def test_a_client_error_is_permanent_and_dead_lettered_at_once(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(422)
    sender = _sender(senders, database, receiver.url(), max_attempts=5)
    sender.start()
    _add(database, sender, _events(1))
    wait_until(lambda: len(database.dead_letters()) == 1, timeout_s=5)
    [letter] = database.dead_letters()
    assert (letter.attempts, letter.last_error) == (1, "permanent failure: HTTP 422")
    assert len(receiver.received()) == 1


def test_too_many_requests_is_retried_no_sooner_than_retry_after(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(429, {"Retry-After": "1"}) if seen == 1 else Reply()
    sender = _sender(senders, database, receiver.url())
    sender.start()
    _add(database, sender, _events(1))
    wait_until(lambda: sender.delivered == 1, timeout_s=5)
    first, second = receiver.received()
    assert second.at - first.at >= 0.95  # backoff alone would retry after ~0.05 s


def test_a_failing_event_holds_back_the_next_until_it_is_dead_lettered(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    failing, healthy = _events(2)
    receiver.policy = lambda key, seen: Reply(500) if key == failing.id else Reply()
    sender = _sender(senders, database, receiver.url(), max_attempts=2)
    sender.start()
    _add(database, sender, [failing, healthy])

    wait_until(lambda: sender.delivered == 1, timeout_s=5)
    assert [(r.key, r.accepted) for r in receiver.received()] == [
        (failing.id, False),
        (failing.id, False),
        (healthy.id, True),
    ]
    assert [letter.event_id for letter in database.dead_letters()] == [failing.id]


def test_only_the_configured_event_types_are_queued_and_sent(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    sender = _sender(senders, database, receiver.url(), events=("line.crossed", "track.ended"))
    sender.start()
    events = _events(8)  # types cycle; the last one is track.ended
    _add(database, sender, events)
    wait_until(lambda: sender.delivered == 4, timeout_s=5)
    assert sender.stop(5)
    assert [r.headers["x-trackcast-event"] for r in receiver.received()] == [
        e.type for e in events if e.type in ("line.crossed", "track.ended")
    ]
    assert database.outbox.depths() == {}


def test_more_events_than_a_batch_go_out_in_order(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    sender = _sender(senders, database, receiver.url(), batch_size=3)
    events = _events(10)
    _add(database, sender, events)  # before start: the rows wait in the outbox
    assert sender.queue_depth() == 10
    sender.start()
    wait_until(lambda: sender.delivered == 10, timeout_s=10)
    assert [r.key for r in receiver.received()] == [e.id for e in events]


def test_stop_keeps_pending_events_and_the_next_start_sends_them(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(500)
    url = receiver.url()
    sender = _sender(senders, database, url, backoff_initial_s=3, backoff_max_s=60, max_attempts=5)
    sender.start()
    events = _events(3)
    _add(database, sender, events)
    wait_until(lambda: sender.failed_attempts == 1, timeout_s=5)  # the first waits ~3 s

    started = time.monotonic()
    assert sender.stop(timeout_s=5)
    assert time.monotonic() - started < 1
    assert database.dead_letters() == []
    assert sender.queue_depth() == 3
    _add(database, sender, _events(1, ("zone.left",)))  # after stop: queued, not lost
    assert sender.queue_depth() == 4

    # the restart: a new sender for the same URL, its backoff shorter this time
    receiver.policy = lambda key, seen: Reply()
    restarted = _sender(senders, database, url, backoff_initial_s=0.05, max_attempts=5)
    assert restarted.subscription == sender.subscription
    restarted.start()
    wait_until(lambda: restarted.delivered == 4, timeout_s=40)
    received = receiver.received()
    assert [r.key for r in received[1:4]] == [e.id for e in events]
    # the first event's attempts survived the restart; its retry time too
    assert received[1].headers["x-trackcast-delivery-attempt"] == "2"
    assert received[1].at - received[0].at >= 2.3  # 3 s, jittered by 20 %
    assert database.dead_letters() == []


def test_stop_is_bounded_while_a_request_is_in_flight(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(delay_s=1.0)
    sender = _sender(senders, database, receiver.url(), timeout_s=5)
    sender.start()
    _add(database, sender, _events(2))
    wait_until(lambda: len(receiver.received()) == 1, timeout_s=5)

    started = time.monotonic()
    assert not sender.stop(timeout_s=0.2)  # the slow request is still in flight
    assert time.monotonic() - started < 0.5
    wait_until(lambda: sender.delivered == 1, timeout_s=5)  # its outcome is still recorded
    assert sender.queue_depth() == 1  # the second waits for the next start
    assert database.dead_letters() == []
    assert len(receiver.received()) == 1


def test_stop_before_start_keeps_the_queue(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    sender = _sender(senders, database, receiver.url())
    _add(database, sender, _events(2))
    assert sender.stop(1)
    assert database.dead_letters() == []
    assert sender.queue_depth() == 2


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_logged(
    receiver: WebhookReceiver,
    database: Database,
    senders: list[WebhookSender],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    receiver.policy = lambda key, seen: Reply(500)
    url = receiver.url("/hook?token=tok3n", userinfo="user:pw")
    sender = _sender(senders, database, url, max_attempts=2)
    sender.start()
    _add(database, sender, _events(1))
    wait_until(lambda: len(database.dead_letters()) == 1, timeout_s=5)
    assert sender.stop(5)

    [letter] = database.dead_letters()
    assert letter.target == f"http://user:***@127.0.0.1:{receiver.port}/hook?token=***"
    assert sender.stats().target == letter.target
    assert "tok3n" not in (letter.subscription or "") and "pw" not in (letter.subscription or "")
    messages = [r.getMessage() for r in caplog.records]
    assert any("gave up on event" in m for m in messages)
    assert not [m for m in messages if "pw" in m]
    assert "pw" not in caplog.text
    request = receiver.received()[0]
    assert request.path == "/hook?token=tok3n"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()


def test_subscription_keys_are_stable_and_ignore_credentials() -> None:
    def keys(*urls: str) -> list[str]:
        return [s.key for s in webhook_subscriptions([WebhookConfig(url=u) for u in urls])]

    [plain] = keys("https://h.example/a?x=1")
    assert plain.startswith("webhook:") and len(plain) == len("webhook:") + 16
    assert keys("https://u:old@h.example/a?x=1") == keys("https://u:new@h.example/a?x=1") == [plain]
    assert keys("https://h.example/b") != [plain]
    assert keys("https://h.example/a?x=1", "https://h.example/a?x=1") == [plain, f"{plain}#2"]
    filtered = webhook_subscriptions(
        [WebhookConfig(url="https://h.example/a?x=1", events=("track.started",))]
    )
    assert filtered[0].key == plain and filtered[0].types == frozenset({"track.started"})

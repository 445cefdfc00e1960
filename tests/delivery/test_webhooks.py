"""WebhookSender against a real HTTP receiver on 127.0.0.1 that fails on purpose."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from config.models import WebhookConfig
from delivery.signing import verify
from delivery.webhooks import QUEUE_FULL, STOPPED, WebhookSender
from events import Event, StoredEvent
from tests.delivery.memory import MemoryDeadLetters
from tests.delivery.receiver import Reply, WebhookReceiver
from tests.waiting import wait_until

SECRET = "whsec-delivery-test"
TYPES = ("track.started", "line.crossed", "zone.entered", "track.ended")


def _events(count: int, types: tuple[str, ...] = TYPES) -> list[StoredEvent]:
    return [
        StoredEvent(
            seq,
            Event(
                type=types[seq % len(types)],
                camera_id=f"cam-{seq % 2}",
                time=1_700_000_000.0 + seq,
                track_id=seq,
                data={"n": seq},
            ),
        )
        for seq in range(1, count + 1)
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
    dead_letters: MemoryDeadLetters,
    url: str,
    *,
    queue_size: int = 10_000,
    **config: Any,
) -> WebhookSender:
    settings = {"backoff_initial_s": 0.05, "backoff_max_s": 0.2, "timeout_s": 2.0, **config}
    sender = WebhookSender(WebhookConfig(url=url, **settings), dead_letters, queue_size=queue_size)
    senders.append(sender)
    return sender


def test_every_event_is_accepted_exactly_once_after_failures(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    # first attempt: 500; second: connection closed without a response; third: accepted
    receiver.policy = lambda key, seen: {1: Reply(500), 2: Reply(drop=True)}.get(seen, Reply())
    sender = _sender(senders, dead_letters, receiver.url(), secret=SECRET, max_attempts=5)
    sender.start()
    events = _events(20)
    sender.deliver(events[:7])
    sender.deliver(events[7:])

    wait_until(lambda: sender.delivered == 20, timeout_s=10)
    accepted = receiver.accepted()
    assert Counter(request.key for request in accepted) == Counter(e.event.id for e in events)
    by_id = {stored.event.id: stored for stored in events}
    for request in accepted:
        stored = by_id[request.key]
        assert json.loads(request.body) == stored.to_json()
        assert request.headers["content-type"] == "application/json"
        assert request.headers["x-trackcast-event"] == stored.event.type
        assert request.headers["x-trackcast-delivery-attempt"] == "3"
        assert verify(SECRET, request.headers["x-trackcast-signature"], request.body)
        assert request.path == "/hook"
    attempts = Counter(
        request.headers["x-trackcast-delivery-attempt"] for request in receiver.received()
    )
    assert attempts == {"1": 20, "2": 20, "3": 20}
    assert (sender.failed_attempts, sender.dead_lettered, sender.queue_depth()) == (40, 0, 0)
    assert len(dead_letters) == 0
    stats = sender.stats()
    assert (stats.delivered, stats.failed, stats.queue_depth) == (20, 40, 0)


def test_an_attempt_that_times_out_is_retried(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(delay_s=5.0) if seen == 1 else Reply()
    sender = _sender(senders, dead_letters, receiver.url(), timeout_s=0.3)
    sender.start()
    sender.deliver(_events(1))
    wait_until(lambda: sender.delivered == 1, timeout_s=5)
    assert [r.headers["x-trackcast-delivery-attempt"] for r in receiver.received()] == ["1", "2"]
    assert sender.failed_attempts == 1


def test_events_that_always_fail_are_dead_lettered_after_max_attempts(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(503)
    sender = _sender(senders, dead_letters, receiver.url(), max_attempts=3)
    sender.start()
    events = _events(5)
    sender.deliver(events)

    wait_until(lambda: len(dead_letters) == 5, timeout_s=10)
    records = dead_letters.records()
    assert sorted(r.event.seq for r in records) == [1, 2, 3, 4, 5]
    assert {(r.attempts, r.last_error, r.target) for r in records} == {
        (3, "HTTP 503", receiver.url())
    }
    assert Counter(r.key for r in receiver.received()) == {e.event.id: 3 for e in events}
    assert (sender.delivered, sender.failed_attempts, sender.dead_lettered) == (0, 15, 5)
    assert sender.queue_depth() == 0


def test_a_client_error_is_permanent_and_dead_lettered_at_once(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(422)
    sender = _sender(senders, dead_letters, receiver.url(), max_attempts=5)
    sender.start()
    sender.deliver(_events(1))
    wait_until(lambda: len(dead_letters) == 1, timeout_s=5)
    [record] = dead_letters.records()
    assert (record.attempts, record.last_error) == (1, "permanent failure: HTTP 422")
    assert len(receiver.received()) == 1


def test_too_many_requests_is_retried_no_sooner_than_retry_after(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(429, {"Retry-After": "1"}) if seen == 1 else Reply()
    sender = _sender(senders, dead_letters, receiver.url())
    sender.start()
    sender.deliver(_events(1))
    wait_until(lambda: sender.delivered == 1, timeout_s=5)
    first, second = receiver.received()
    assert second.at - first.at >= 0.95  # backoff alone would retry after ~0.05 s


def test_a_failing_event_does_not_hold_back_the_next(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    failing, healthy = _events(2)
    receiver.policy = lambda key, seen: Reply(500) if key == failing.event.id else Reply()
    sender = _sender(
        senders, dead_letters, receiver.url(), backoff_initial_s=0.5, backoff_max_s=1.0,
        max_attempts=2,
    )  # fmt: skip
    sender.start()
    sender.deliver([failing, healthy])

    wait_until(lambda: len(dead_letters) == 1, timeout_s=5)
    requests = receiver.received()
    assert [(r.key, r.accepted) for r in requests] == [
        (failing.event.id, False),
        (healthy.event.id, True),
        (failing.event.id, False),
    ]
    assert requests[2].at - requests[1].at > 0.3  # the healthy one did not wait for the retry


def test_only_the_configured_event_types_are_sent(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    sender = _sender(senders, dead_letters, receiver.url(), events=("line.crossed", "track.ended"))
    sender.start()
    events = _events(8)  # types cycle; the last one is track.ended
    sender.deliver(events)
    wait_until(lambda: sender.delivered == 4, timeout_s=5)
    assert sender.stop(5)
    assert [r.headers["x-trackcast-event"] for r in receiver.received()] == [
        e.event.type for e in events if e.event.type in ("line.crossed", "track.ended")
    ]


def test_stop_dead_letters_events_awaiting_a_retry(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(500)
    sender = _sender(
        senders, dead_letters, receiver.url(), backoff_initial_s=30, backoff_max_s=60,
        max_attempts=5,
    )  # fmt: skip
    sender.start()
    sender.deliver(_events(3))
    wait_until(lambda: sender.failed_attempts == 3, timeout_s=5)

    started = time.monotonic()
    assert sender.stop(timeout_s=5)
    assert time.monotonic() - started < 1
    records = dead_letters.records()
    assert sorted(r.event.seq for r in records) == [1, 2, 3]
    assert {(r.attempts, r.last_error) for r in records} == {(1, STOPPED)}
    assert sender.queue_depth() == 0

    sender.deliver(_events(1))  # after stop: nothing is sent, nothing is lost
    assert dead_letters.records()[-1].last_error == STOPPED
    assert len(receiver.received()) == 3


def test_stop_is_bounded_while_a_request_is_in_flight(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    receiver.policy = lambda key, seen: Reply(delay_s=1.0)
    sender = _sender(senders, dead_letters, receiver.url(), timeout_s=5)
    sender.start()
    slow, queued = _events(2)
    sender.deliver([slow, queued])
    wait_until(lambda: len(receiver.received()) == 1, timeout_s=5)

    started = time.monotonic()
    assert not sender.stop(timeout_s=0.2)  # the slow request is still in flight
    assert time.monotonic() - started < 0.5
    assert [(r.event.seq, r.last_error) for r in dead_letters.records()] == [(2, STOPPED)]
    wait_until(lambda: sender.delivered == 1, timeout_s=5)  # its outcome is still recorded
    assert len(dead_letters) == 1


def test_an_event_that_is_not_json_is_dead_lettered_and_the_next_still_goes(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    sender = _sender(senders, dead_letters, receiver.url())
    sender.start()
    broken = StoredEvent(1, Event(type="track.started", camera_id="c", time=0, data={"x": {1j}}))
    sender.deliver([broken, *_events(1)])
    wait_until(lambda: sender.delivered == 1, timeout_s=5)
    [record] = dead_letters.records()
    assert record.attempts == 1
    assert record.last_error.startswith("permanent failure: event is not JSON-serialisable")


def test_a_full_queue_dead_letters_new_events_and_counts_them(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    sender = _sender(senders, dead_letters, receiver.url(), queue_size=3)
    events = _events(5)
    sender.deliver(events)  # not started yet: nothing drains the queue
    assert sender.queue_depth() == 3
    assert (sender.overflowed, sender.dead_lettered) == (2, 2)
    assert [(r.event.seq, r.attempts, r.last_error) for r in dead_letters.records()] == [
        (4, 0, QUEUE_FULL),
        (5, 0, QUEUE_FULL),
    ]
    sender.start()
    wait_until(lambda: sender.delivered == 3, timeout_s=5)
    assert [r.key for r in receiver.received()] == [e.event.id for e in events[:3]]


def test_stop_before_start_dead_letters_the_queue(
    receiver: WebhookReceiver, dead_letters: MemoryDeadLetters, senders: list[WebhookSender]
) -> None:
    sender = _sender(senders, dead_letters, receiver.url())
    sender.deliver(_events(2))
    assert sender.stop(1)
    assert [(r.attempts, r.last_error) for r in dead_letters.records()] == [(0, STOPPED)] * 2


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_logged(
    receiver: WebhookReceiver,
    dead_letters: MemoryDeadLetters,
    senders: list[WebhookSender],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    receiver.policy = lambda key, seen: Reply(500)
    url = receiver.url("/hook?token=tok3n", userinfo="user:pw")
    sender = _sender(senders, dead_letters, url, max_attempts=2)
    sender.start()
    sender.deliver(_events(1))
    wait_until(lambda: len(dead_letters) == 1, timeout_s=5)
    assert sender.stop(5)

    [record] = dead_letters.records()
    assert record.target == f"http://user:***@127.0.0.1:{receiver.port}/hook?token=***"
    assert sender.stats().target == record.target
    messages = [r.getMessage() for r in caplog.records]
    assert any("gave up on event" in m for m in messages)
    assert not [m for m in messages if "pw" in m]
    assert "pw" not in caplog.text
    request = receiver.received()[0]
    assert request.path == "/hook?token=tok3n"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()

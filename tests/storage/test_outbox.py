"""The delivery outbox on SQLite and PostgreSQL: rows queued with their events in one transaction,
read in seq order, postponed, delivered, moved to the dead letters and put back."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from config.models import WebhookConfig
from delivery import WebhookSender
from delivery.keys import webhook_subscriptions
from events import Event
from storage import DeadLetter, EventStore, Outbox, Subscription
from storage.outbox import Requeued
from tests.delivery.receiver import Reply, WebhookReceiver
from tests.waiting import wait_until

ALL = Subscription("webhook:all", "http://h/all")
ENDS = Subscription("webhook:ends", "http://h/ends", frozenset({"track.ended"}))


def _event(n: int, type_: str = "track.started") -> Event:
    return Event(type=type_, camera_id="cam", time=1000.0 + n, track_id=n, data={"n": n})


def _events(count: int) -> list[Event]:
    return [_event(n, "track.ended" if n % 2 else "track.started") for n in range(count)]


@pytest.fixture
def outbox(store: EventStore) -> Outbox:
    store.subscribe([ALL, ENDS])
    return Outbox(store.engine)


def test_rows_are_queued_with_their_events_for_the_subscriptions_that_want_them(
    store: EventStore, outbox: Outbox
) -> None:
    stored = store.insert([(e, None) for e in _events(6)])
    assert outbox.depths() == {ALL.key: 6, ENDS.key: 3}
    head = outbox.head(ALL.key, 10)
    assert [p.seq for p in head] == [s.seq for s in stored]
    assert [p.payload for p in head] == [s.to_json() for s in stored]
    assert {(p.attempts, p.event_id == s.event.id) for p, s in zip(head, stored, strict=True)} == {
        (0, True)
    }
    assert all(p.next_attempt_at <= time.time() for p in head)
    ends = outbox.head(ENDS.key, 10)
    assert [p.event_type for p in ends] == ["track.ended"] * 3
    assert [p.seq for p in outbox.head(ALL.key, 2)] == [s.seq for s in stored[:2]]


def test_a_refused_insert_queues_nothing(store: EventStore, outbox: Outbox) -> None:
    first = _event(1)
    store.insert([(first, None)])
    with pytest.raises(sa.exc.IntegrityError):
        store.insert([(_event(2), None), (first, None)])  # duplicate id: the batch is refused
    assert outbox.depths() == {ALL.key: 1}


def test_postpone_delivered_and_dead_letter(store: EventStore, outbox: Outbox) -> None:
    stored = store.insert([(e, None) for e in _events(3)])
    first, second, third = outbox.head(ALL.key, 10)
    outbox.postpone(ALL.key, first.seq, attempts=2, next_attempt_at=5.0)
    again = outbox.head(ALL.key, 1)[0]
    assert (again.seq, again.attempts, again.next_attempt_at) == (first.seq, 2, 5.0)

    outbox.delivered(ALL.key, second.seq)
    letter_id = outbox.dead_letter(ALL, again, 3, "HTTP 500")
    assert [p.seq for p in outbox.head(ALL.key, 10)] == [third.seq]
    assert (
        outbox.depth(ALL.key) == 1 and outbox.depth(ENDS.key) == 1
    )  # other subscriptions keep theirs
    letter = store.get_dead_letter(letter_id)
    assert letter is not None
    assert (letter.event_id, letter.event_seq, letter.target, letter.attempts) == (
        stored[0].event.id, stored[0].seq, ALL.target, 3,
    )  # fmt: skip
    assert (letter.subscription, letter.payload) == (ALL.key, stored[0].to_json())


def test_requeue_puts_a_dead_letter_back_first_in_line(store: EventStore, outbox: Outbox) -> None:
    stored = store.insert([(e, None) for e in _events(3)])
    first = outbox.head(ALL.key, 1)[0]
    letter_id = outbox.dead_letter(ALL, first, 5, "HTTP 503")

    assert outbox.requeue(letter_id, lambda letter: None) == (Requeued.NO_SUBSCRIPTION, None)
    assert store.get_dead_letter(letter_id) is not None  # kept
    assert outbox.requeue(letter_id, lambda letter: ALL) == (Requeued.QUEUED, ALL)
    assert store.get_dead_letter(letter_id) is None
    head = outbox.head(ALL.key, 10)
    assert [p.seq for p in head] == [s.seq for s in stored]  # in seq order again
    assert (head[0].attempts, head[0].payload) == (0, stored[0].to_json())
    assert outbox.requeue(letter_id, lambda letter: ALL) == (Requeued.NOT_FOUND, None)


def test_a_requeued_letter_keeps_its_payload_after_retention(
    store: EventStore, outbox: Outbox
) -> None:
    [stored] = store.insert([(_event(1), None)])
    letter_id = store.add_dead_letter(
        DeadLetter(None, stored.event.id, stored.seq, ALL.target, 5, "x", 1.0, stored.to_json())
    )
    outbox.delivered(ALL.key, stored.seq)
    store.delete_before(cutoff=1e12)  # retention took the event
    assert outbox.requeue(letter_id, lambda letter: ALL)[0] is Requeued.QUEUED
    [pending] = outbox.head(ALL.key, 10)
    assert (pending.event_id, pending.payload) == (stored.event.id, stored.to_json())


def test_a_row_whose_event_retention_deleted_is_dropped(
    store: EventStore, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    old, new = store.insert([(_event(1), None), (_event(2), None)])
    with store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE seq = :seq"), {"seq": old.seq})
    assert [p.seq for p in outbox.head(ALL.key, 10)] == [new.seq]
    assert outbox.depth(ALL.key) == 1
    assert "1 events (seq" in caplog.text and "deleted by retention" in caplog.text


def test_a_webhook_sender_delivers_from_this_database_in_order(store: EventStore) -> None:
    """The whole path on both databases: insert, queue, send, delete, dead-letter."""
    events = _events(4)
    failing = events[1].id
    with WebhookReceiver(lambda key, seen: Reply(500) if key == failing else Reply()) as receiver:
        webhook = WebhookConfig(url=receiver.url(), max_attempts=2, backoff_initial_s=0.05)
        [subscription] = webhook_subscriptions([webhook])
        store.subscribe([subscription])
        outbox = Outbox(store.engine)
        sender = WebhookSender(webhook, outbox, subscription)
        sender.start()
        try:
            sender.deliver(store.insert([(e, None) for e in events]))
            wait_until(lambda: sender.delivered == 3, timeout_s=20)
        finally:
            assert sender.stop(5)
        assert [r.key for r in receiver.received()] == [
            events[0].id, failing, failing, events[2].id, events[3].id,
        ]  # fmt: skip
        assert [letter.event_id for letter in store.dead_letters()] == [failing]
        assert outbox.depths() == {}

"""MqttPublisher reading a real outbox (SQLite) and publishing to a real Mosquitto broker on
127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from config.models import MqttConfig
from delivery.keys import mqtt_subscription
from delivery.mqtt import MqttPublisher
from events import Event, StoredEvent
from tests.delivery.broker import Message, MosquittoBroker, Subscriber, free_port
from tests.delivery.database import Database
from tests.waiting import wait_until

PASSWORD = "mqtt-hunter2"


def _events() -> list[Event]:
    """Two cameras, two types, two of each."""
    cameras, types = ("gate", "lobby"), ("track.started", "zone.entered")
    return [
        Event(
            type=types[n % 2],
            camera_id=cameras[n // 2 % 2],
            time=1_700_000_000.0 + n,
            track_id=n,
            region="door" if n % 2 else None,
        )
        for n in range(8)
    ]


@pytest.fixture
def publishers() -> Iterator[list[MqttPublisher]]:
    """Publishers a test creates; each is stopped at teardown (a no-op once stopped)."""
    created: list[MqttPublisher] = []
    yield created
    for publisher in created:
        publisher.stop(2)
    wait_until(lambda: not _network_threads(created), timeout_s=3)


def _network_threads(publishers: list[MqttPublisher]) -> list[str]:
    names = {f"paho-mqtt-client-{p.client_id}" for p in publishers}
    names |= {f"trackcast-mqtt {p.broker}" for p in publishers}
    return [t.name for t in threading.enumerate() if t.name in names]


def _publisher(
    publishers: list[MqttPublisher], database: Database, port: int, **options: Any
) -> MqttPublisher:
    qos = options.pop("qos", 1)
    config = MqttConfig(
        host="127.0.0.1", port=port, username="trackcast", password=PASSWORD, qos=qos
    )
    subscription = mqtt_subscription(config)
    database.subscribe(subscription)
    publisher = MqttPublisher(config, database.outbox, subscription, **options)
    publishers.append(publisher)
    return publisher


def _add(database: Database, publisher: MqttPublisher, events: list[Event]) -> list[StoredEvent]:
    stored = database.add(events)
    publisher.deliver(stored)
    return stored


def _event_messages(subscriber: Subscriber) -> list[Message]:
    """What arrived on event topics (not the availability topic ``trackcast/status``)."""
    return [m for m in subscriber.messages() if m.topic != "trackcast/status"]


def _assert_received(subscriber: Subscriber, stored: list[StoredEvent], qos: int) -> None:
    """Each event arrived (at least once: the test dedupes by event id), in seq order."""
    messages = _event_messages(subscriber)
    first: dict[str, tuple[str, str]] = {}
    for m in messages:
        payload = json.loads(m.payload)
        first.setdefault(payload["id"], (m.topic, json.dumps(payload)))
    expected = {
        s.event.id: (f"trackcast/{s.event.camera_id}/{s.event.type}", json.dumps(s.to_json()))
        for s in stored
    }
    assert first == expected
    assert list(first) == [s.event.id for s in stored]
    assert {(m.qos, m.retain) for m in messages} == {(qos, False)}


def test_events_arrive_on_camera_and_type_topics_in_order(
    broker: MosquittoBroker,
    database: Database,
    publishers: list[MqttPublisher],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    events = _events()
    with Subscriber(broker.port, "trackcast/#") as subscriber:
        publisher = _publisher(publishers, database, broker.port, window=3)
        publisher.start()
        wait_until(lambda: publisher.connected, timeout_s=5)
        stored = _add(database, publisher, events[:3]) + _add(database, publisher, events[3:])
        wait_until(lambda: len(_event_messages(subscriber)) >= len(events), timeout_s=10)
        wait_until(lambda: publisher.queue_depth() == 0, timeout_s=5)
        assert publisher.stop(5)
        _assert_received(subscriber, stored, qos=1)
    assert (publisher.published, publisher.failed, publisher.in_flight()) == (8, 0, 0)
    assert Counter(m.topic for m in _event_messages(subscriber)).total() == 8
    assert not publisher.connected
    assert f"127.0.0.1:{broker.port}" in caplog.text
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("qos", [0, 1])
def test_events_wait_in_the_outbox_for_a_broker_that_starts_later(
    idle_broker: MosquittoBroker, database: Database, publishers: list[MqttPublisher], qos: int
) -> None:
    publisher = _publisher(
        publishers, database, idle_broker.port, qos=qos, reconnect_min_s=2, reconnect_max_s=2
    )
    publisher.start()
    stored = _add(database, publisher, _events())  # broker down: they wait in the outbox
    assert not publisher.connected
    assert (publisher.published, publisher.failed, publisher.in_flight()) == (0, 0, 0)
    assert publisher.stats().queue_depth == 8

    idle_broker.start()
    with Subscriber(idle_broker.port, "trackcast/#") as subscriber:  # before the 2 s retry
        wait_until(lambda: len(_event_messages(subscriber)) >= len(stored), timeout_s=15)
        wait_until(lambda: publisher.queue_depth() == 0, timeout_s=5)
        assert publisher.connected
        assert publisher.stop(5)
        _assert_received(subscriber, stored, qos=qos)
    assert (publisher.published, publisher.failed) == (8, 0)


def test_events_pending_when_the_broker_is_gone_at_stop_go_out_after_a_restart(
    broker: MosquittoBroker,
    database: Database,
    publishers: list[MqttPublisher],
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher = _publisher(publishers, database, broker.port)
    publisher.start()
    wait_until(lambda: publisher.connected, timeout_s=5)
    broker.stop()
    wait_until(lambda: not publisher.connected, timeout_s=5)
    stored = _add(database, publisher, _events()[:3])

    started = time.monotonic()
    assert publisher.stop(timeout_s=1.5)  # nothing was in flight: nothing is lost either
    assert time.monotonic() - started < 2.5
    assert publisher.queue_depth() == 3
    assert database.dead_letters() == []
    assert PASSWORD not in caplog.text

    broker.start()
    with Subscriber(broker.port, "trackcast/#") as subscriber:
        restarted = _publisher(publishers, database, broker.port)
        assert restarted.subscription == publisher.subscription
        restarted.start()
        wait_until(lambda: len(_event_messages(subscriber)) >= 3, timeout_s=10)
        wait_until(lambda: restarted.queue_depth() == 0, timeout_s=5)
        assert restarted.stop(5)
        _assert_received(subscriber, stored, qos=1)


def test_stop_publishes_what_is_queued_while_the_broker_is_connected(
    broker: MosquittoBroker, database: Database, publishers: list[MqttPublisher]
) -> None:
    with Subscriber(broker.port, "trackcast/#") as subscriber:
        publisher = _publisher(publishers, database, broker.port, poll_interval_s=60)
        publisher.start()
        wait_until(lambda: publisher.connected, timeout_s=5)
        stored = database.add(_events())  # queued, and no wake-up: only stop() sees them
        assert publisher.stop(5)
        assert publisher.queue_depth() == 0
        wait_until(lambda: len(_event_messages(subscriber)) >= len(stored), timeout_s=5)
        _assert_received(subscriber, stored, qos=1)


def test_no_broker_at_all_keeps_events_queued_and_stop_is_bounded(
    database: Database, publishers: list[MqttPublisher]
) -> None:
    publisher = _publisher(publishers, database, free_port(), qos=0)
    publisher.start()
    _add(database, publisher, _events())
    assert (publisher.published, publisher.failed) == (0, 0)
    started = time.monotonic()
    assert publisher.stop(2)
    assert time.monotonic() - started < 3
    assert publisher.queue_depth() == 8

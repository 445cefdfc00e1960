"""MqttPublisher against a real Mosquitto broker on 127.0.0.1."""

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
from delivery.mqtt import MqttPublisher
from events import Event, StoredEvent
from tests.delivery.broker import MosquittoBroker, Subscriber, free_port
from tests.waiting import wait_until

PASSWORD = "mqtt-hunter2"


def _events() -> list[StoredEvent]:
    """Two cameras, two types, two of each."""
    cameras, types = ("gate", "lobby"), ("track.started", "zone.entered")
    return [
        StoredEvent(
            seq,
            Event(
                type=types[seq % 2],
                camera_id=cameras[seq // 2 % 2],
                time=1_700_000_000.0 + seq,
                track_id=seq,
                region="door" if seq % 2 else None,
            ),
        )
        for seq in range(8)
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
    return [t.name for t in threading.enumerate() if t.name in names]


def _publisher(publishers: list[MqttPublisher], port: int, **options: Any) -> MqttPublisher:
    qos = options.pop("qos", 1)
    config = MqttConfig(
        host="127.0.0.1", port=port, username="trackcast", password=PASSWORD, qos=qos
    )
    publisher = MqttPublisher(config, **options)
    publishers.append(publisher)
    return publisher


def _assert_received(subscriber: Subscriber, events: list[StoredEvent], qos: int) -> None:
    expected = Counter(
        (f"trackcast/{s.event.camera_id}/{s.event.type}", json.dumps(s.to_json())) for s in events
    )
    messages = subscriber.messages()
    got = Counter((m.topic, json.dumps(json.loads(m.payload))) for m in messages)
    assert got == expected
    assert {(m.qos, m.retain) for m in messages} == {(qos, False)}


def test_events_arrive_on_camera_and_type_topics(
    broker: MosquittoBroker, publishers: list[MqttPublisher], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    events = _events()
    with Subscriber(broker.port, "trackcast/#") as subscriber:
        publisher = _publisher(publishers, broker.port)
        publisher.start()
        wait_until(lambda: publisher.connected, timeout_s=5)
        publisher.deliver(events[:3])
        publisher.deliver(events[3:])
        wait_until(lambda: len(subscriber.messages()) == len(events), timeout_s=5)
        assert publisher.stop(5)
        _assert_received(subscriber, events, qos=1)
    assert (publisher.published, publisher.failed, publisher.in_flight()) == (8, 0, 0)
    assert not publisher.connected
    assert f"127.0.0.1:{broker.port}" in caplog.text
    assert PASSWORD not in caplog.text


def test_qos1_events_wait_for_a_broker_that_starts_later(
    idle_broker: MosquittoBroker, publishers: list[MqttPublisher]
) -> None:
    publisher = _publisher(publishers, idle_broker.port, reconnect_min_s=2, reconnect_max_s=2)
    publisher.start()
    events = _events()
    publisher.deliver(events)  # broker down: queued in paho, not failed
    assert not publisher.connected
    assert (publisher.published, publisher.failed, publisher.in_flight()) == (0, 0, 8)

    idle_broker.start()
    with Subscriber(idle_broker.port, "trackcast/#") as subscriber:  # before the 2 s retry
        wait_until(lambda: len(subscriber.messages()) == len(events), timeout_s=10)
        assert publisher.connected
        assert publisher.stop(5)
        _assert_received(subscriber, events, qos=1)
    assert (publisher.published, publisher.failed) == (8, 0)


def test_qos0_events_while_disconnected_are_counted_as_failed(
    publishers: list[MqttPublisher],
) -> None:
    publisher = _publisher(publishers, free_port(), qos=0)
    publisher.start()
    publisher.deliver(_events())
    assert (publisher.published, publisher.failed, publisher.in_flight()) == (0, 8, 0)
    assert publisher.stats().failed == 8
    assert publisher.stop(2)


def test_a_full_queue_counts_events_as_failed(
    idle_broker: MosquittoBroker, publishers: list[MqttPublisher]
) -> None:
    publisher = _publisher(publishers, idle_broker.port, queue_size=5)
    publisher.start()
    publisher.deliver(_events())
    assert (publisher.failed, publisher.in_flight(), publisher.stats().queue_depth) == (3, 5, 5)
    assert not publisher.stop(1)  # five were never acknowledged


def test_stop_is_bounded_when_the_broker_is_gone(
    broker: MosquittoBroker, publishers: list[MqttPublisher], caplog: pytest.LogCaptureFixture
) -> None:
    publisher = _publisher(publishers, broker.port)
    publisher.start()
    wait_until(lambda: publisher.connected, timeout_s=5)
    broker.stop()
    wait_until(lambda: not publisher.connected, timeout_s=5)
    publisher.deliver(_events()[:3])

    started = time.monotonic()
    assert not publisher.stop(timeout_s=1.5)
    assert time.monotonic() - started < 2.5
    assert "3 events not acknowledged" in caplog.text
    assert PASSWORD not in caplog.text

"""Home Assistant MQTT discovery, camera state topics and availability, against a real Mosquitto
broker on 127.0.0.1: every discovery config is validated against HA's schema
(:mod:`tests.delivery.homeassistant_schema`) and every entity's value template is rendered (with
Jinja2, as HA does) on what its state topic really received."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from config.models import MqttConfig
from delivery.homeassistant import CameraSnapshot
from delivery.keys import mqtt_subscription
from delivery.mqtt import MqttPublisher
from events import Event
from stream.health import CameraState
from tests.delivery.broker import Message, MosquittoBroker, Subscriber
from tests.delivery.cameras import StaticCameras, gate_camera, home_assistant_config
from tests.delivery.database import Database
from tests.delivery.homeassistant_schema import (
    DISCOVERY_TOPIC,
    SensorConfig,
    _Entity,
    validate_discovery,
)
from tests.waiting import scaled, wait_until

REPO = Path(__file__).resolve().parents[2]
STATUS = "trackcast/status"
GATE_ENTITIES = {
    "homeassistant/sensor/trackcast_gate/state/config",
    "homeassistant/binary_sensor/trackcast_gate/streaming/config",
    "homeassistant/sensor/trackcast_gate/line_door_in/config",
    "homeassistant/sensor/trackcast_gate/line_door_out/config",
    "homeassistant/sensor/trackcast_gate/zone_lobby_occupancy/config",
}


@pytest.fixture
def publishers() -> Iterator[list[MqttPublisher]]:
    created: list[MqttPublisher] = []
    yield created
    for publisher in created:
        publisher.stop(2)
    names = {f"paho-mqtt-client-{p.client_id}" for p in created}
    wait_until(lambda: not names & {t.name for t in threading.enumerate()}, timeout_s=3)


def _publisher(
    publishers: list[MqttPublisher], database: Database, config: MqttConfig, cameras: StaticCameras
) -> MqttPublisher:
    subscription = mqtt_subscription(config)
    database.subscribe(subscription)
    publisher = MqttPublisher(config, database.outbox, subscription, poll_interval_s=0.2)
    publisher.watch_cameras(cameras)
    publishers.append(publisher)
    return publisher


def _configs(subscriber: Subscriber) -> dict[str, Message]:
    """The newest message on every discovery topic."""
    return {m.topic: m for m in subscriber.messages() if DISCOVERY_TOPIC.match(m.topic)}


def _value(subscriber: Subscriber, entity: _Entity) -> str | None:
    """What HA would show: the entity's value template rendered on its state topic's newest
    message (None before one arrived)."""
    message = subscriber.last(entity.state_topic)
    if message is None or not message.payload:
        return None
    assert entity.value_template is not None
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        entity.value_template
    )
    return template.render(value_json=json.loads(message.payload), value=message.payload)


def _crossings_and_visits(camera_id: str = "gate") -> list[Event]:
    def event(kind: str, region: str, n: int, **data: Any) -> Event:
        return Event(kind, camera_id, 1_700_000_000.0 + n, track_id=n, region=region, data=data)

    return [
        event("line.crossed", "door", 1, direction="in"),
        event("line.crossed", "door", 2, direction="in"),
        event("line.crossed", "door", 3, direction="out"),
        event("zone.entered", "lobby", 4),
        event("zone.entered", "lobby", 5),
        event("zone.exited", "lobby", 4),
        event("track.started", "", 6),  # not counted anywhere
    ]


def test_discovery_configs_validate_and_their_entities_show_the_counts(
    broker: MosquittoBroker, database: Database, publishers: list[MqttPublisher]
) -> None:
    cameras = StaticCameras([CameraSnapshot(gate_camera(), CameraState.CONNECTING)])
    with Subscriber(broker.port, "#") as subscriber:
        publisher = _publisher(publishers, database, home_assistant_config(broker.port), cameras)
        publisher.start()
        wait_until(lambda: set(_configs(subscriber)) == GATE_ENTITIES, timeout_s=10)
        entities = {t: validate_discovery(t, m.payload) for t, m in _configs(subscriber).items()}

        assert {e.unique_id for e in entities.values()} == {
            f"trackcast_gate_{t.split('/')[3]}" for t in entities
        }
        for entity in entities.values():
            assert entity.state_topic == "trackcast/gate/state"
            assert entity.availability is not None
            assert [a.topic for a in entity.availability] == [STATUS]
            assert entity.device is not None
            assert entity.device.identifiers == ["trackcast_gate"]
            assert (entity.device.name, entity.device.manufacturer) == ("gate", "trackcast")
            assert entity.device.sw_version
        counters = [entities[t] for t in GATE_ENTITIES if "/line_" in t]
        assert {e.state_class for e in counters if isinstance(e, SensorConfig)} == {
            "total_increasing"
        }
        wait_until(lambda: subscriber.last(STATUS) is not None, timeout_s=5)
        assert subscriber.last(STATUS) == Message(STATUS, b"online", 1, False)

        def shown() -> dict[str, str | None]:
            return {t.split("/")[3]: _value(subscriber, e) for t, e in entities.items()}

        wait_until(lambda: None not in shown().values(), timeout_s=10)
        assert shown() == {
            "state": "connecting",
            "streaming": "OFF",
            "line_door_in": "0",
            "line_door_out": "0",
            "zone_lobby_occupancy": "0",
        }
        state = validate_discovery(
            "homeassistant/sensor/trackcast_gate/state/config",
            _configs(subscriber)["homeassistant/sensor/trackcast_gate/state/config"].payload,
        )
        assert isinstance(state, SensorConfig)
        assert state.options is not None and "connecting" in state.options

        cameras.set([CameraSnapshot(gate_camera(), CameraState.STREAMING)])
        publisher.deliver(database.add(_crossings_and_visits()))
        expected = {
            "state": "streaming",
            "streaming": "ON",
            "line_door_in": "2",
            "line_door_out": "1",
            "zone_lobby_occupancy": "1",
        }
        wait_until(lambda: shown() == expected, timeout_s=10)

    # what Home Assistant gets when it (re)starts: every config and the state, retained
    with Subscriber(broker.port, "#", client_id="late-subscriber") as late:
        wait_until(lambda: set(_configs(late)) == GATE_ENTITIES, timeout_s=5)
        wait_until(lambda: late.last("trackcast/gate/state") is not None, timeout_s=5)
        assert all(m.retain for m in late.messages())
        assert {t: _value(late, e) for t, e in entities.items()} == {
            t: expected[t.split("/")[3]] for t in entities
        }


def test_removing_a_camera_or_a_zone_removes_their_entities(
    broker: MosquittoBroker, database: Database, publishers: list[MqttPublisher]
) -> None:
    yard = gate_camera("yard.north")  # a dot: not a topic level HA accepts, so it is encoded
    cameras = StaticCameras([CameraSnapshot(gate_camera(), None), CameraSnapshot(yard, None)])
    with Subscriber(broker.port, "homeassistant/#") as subscriber:
        publisher = _publisher(publishers, database, home_assistant_config(broker.port), cameras)
        publisher.start()
        wait_until(lambda: len(_configs(subscriber)) == 10, timeout_s=10)
        yard_topics = set(_configs(subscriber)) - GATE_ENTITIES
        assert len({t.split("/")[2] for t in yard_topics}) == 1
        assert all(t.split("/")[2].startswith("trackcast_yard_north_") for t in yard_topics)
        for topic, message in _configs(subscriber).items():
            validate_discovery(topic, message.payload)

        without_zone = gate_camera().model_copy(update={"zones": ()})
        cameras.set([CameraSnapshot(without_zone, None)])

        def removed() -> set[str]:
            return {t for t, m in _configs(subscriber).items() if m.payload == b""}

        zone_topic = "homeassistant/sensor/trackcast_gate/zone_lobby_occupancy/config"
        wait_until(lambda: removed() == yard_topics | {zone_topic}, timeout_s=10)
        assert publisher.stop(5)

    with Subscriber(broker.port, "homeassistant/#", client_id="late-subscriber") as late:
        wait_until(lambda: len(_configs(late)) == 4, timeout_s=5)
        assert set(_configs(late)) == GATE_ENTITIES - {zone_topic}


def test_a_clean_stop_says_offline(
    broker: MosquittoBroker, database: Database, publishers: list[MqttPublisher]
) -> None:
    with Subscriber(broker.port, STATUS) as subscriber:
        publisher = _publisher(
            publishers, database, home_assistant_config(broker.port), StaticCameras([])
        )
        publisher.start()
        wait_until(lambda: subscriber.last(STATUS) is not None, timeout_s=10)
        assert publisher.stop(5)
        wait_until(lambda: len(subscriber.messages()) == 2, timeout_s=5)
    assert [m.payload for m in subscriber.messages()] == [b"online", b"offline"]
    with Subscriber(broker.port, STATUS, client_id="late-subscriber") as late:
        wait_until(lambda: late.messages() != [], timeout_s=5)
        assert late.messages() == [Message(STATUS, b"offline", 1, True)]


def test_the_broker_says_offline_when_trackcast_dies(
    broker: MosquittoBroker, tmp_path: Path
) -> None:
    """The last will: the process is killed, so no DISCONNECT and no ``offline`` of its own."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "tests.delivery.mqtt_child", str(broker.port)]
    with Subscriber(broker.port, "#") as subscriber:
        child = subprocess.Popen([*command, str(tmp_path / "child.db")], cwd=REPO, env=env)
        try:
            wait_until(lambda: subscriber.last(STATUS) is not None, timeout_s=60)
            assert subscriber.last(STATUS) == Message(STATUS, b"online", 1, False)
            wait_until(lambda: subscriber.last("trackcast/gate/state") is not None, timeout_s=10)
            child.kill()
            child.wait(scaled(10))
            wait_until(lambda: subscriber.last(STATUS) != Message(STATUS, b"online", 1, False), 10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(scaled(10))
    assert subscriber.last(STATUS) == Message(STATUS, b"offline", 1, False)
    state = subscriber.last("trackcast/gate/state")
    assert state is not None and json.loads(state.payload)["state"] == "disabled"
    with Subscriber(broker.port, STATUS, client_id="late-subscriber") as late:
        wait_until(lambda: late.messages() != [], timeout_s=5)
        assert late.messages() == [Message(STATUS, b"offline", 1, True)]


def _publish_retained(port: int, topic: str, payload: str, *, retain: bool = True) -> None:
    """What another MQTT client (Home Assistant, another integration) publishes."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-publisher")
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(scaled(5))
    finally:
        client.disconnect()
        client.loop_stop()


def test_entities_of_a_camera_deleted_while_trackcast_was_down_are_removed_at_start(
    broker: MosquittoBroker, database: Database, publishers: list[MqttPublisher]
) -> None:
    yard = gate_camera("yard")
    config = home_assistant_config(broker.port)
    first = _publisher(
        publishers,
        database,
        config,
        StaticCameras([CameraSnapshot(gate_camera(), None), CameraSnapshot(yard, None)]),
    )
    foreign = "homeassistant/sensor/zigbee_lamp/power/config"
    foreign_config = '{"state_topic":"zigbee2mqtt/lamp","unique_id":"lamp_power"}'
    _publish_retained(broker.port, foreign, foreign_config)
    with Subscriber(broker.port, "#") as subscriber:
        first.start()
        wait_until(lambda: len(_configs(subscriber)) == 11, timeout_s=10)  # 10 and the foreign
        wait_until(lambda: subscriber.last("trackcast/yard/state") is not None, timeout_s=10)
        assert first.stop(5)
    yard_topics = {t for t in _configs(subscriber) if "/trackcast_yard/" in t}
    assert len(yard_topics) == 5

    # the yard camera was deleted while trackcast was down
    second = _publisher(
        publishers, database, config, StaticCameras([CameraSnapshot(gate_camera(), None)])
    )
    with Subscriber(broker.port, "#", client_id="second-subscriber") as subscriber:
        second.start()
        wait_until(
            lambda: {t for t, m in _configs(subscriber).items() if m.payload == b""} == yard_topics,
            timeout_s=10,
        )
        wait_until(
            lambda: getattr(subscriber.last("trackcast/yard/state"), "payload", None) == b"",
            timeout_s=10,
        )
    with Subscriber(broker.port, "#", client_id="late-subscriber") as late:
        wait_until(lambda: len(_configs(late)) == 6, timeout_s=5)
        assert set(_configs(late)) == GATE_ENTITIES | {foreign}  # the foreign one untouched
        assert _configs(late)[foreign].payload == foreign_config.encode()
        assert late.last("trackcast/yard/state") is None


def test_home_assistant_coming_online_gets_every_config_again(
    broker: MosquittoBroker, database: Database, publishers: list[MqttPublisher]
) -> None:
    cameras = StaticCameras([CameraSnapshot(gate_camera(), None)])
    topic = "homeassistant/sensor/trackcast_gate/line_door_in/config"
    with Subscriber(broker.port, "homeassistant/+/+/+/config") as subscriber:
        publisher = _publisher(publishers, database, home_assistant_config(broker.port), cameras)
        publisher.start()
        wait_until(lambda: set(_configs(subscriber)) == GATE_ENTITIES, timeout_s=10)

        def sent() -> int:
            return sum(m.topic == topic for m in subscriber.messages())

        assert sent() == 1
        _publish_retained(broker.port, "homeassistant/status", "online", retain=False)
        wait_until(lambda: sent() == 2, timeout_s=10)
        assert len(subscriber.messages()) == 2 * len(GATE_ENTITIES)

"""MQTT over TLS and credentials from the environment, against a real Mosquitto broker with a
TLS listener whose CA and certificates the test makes."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from config.models import MqttConfig
from delivery.keys import mqtt_subscription
from delivery.mqtt import MqttPublisher
from events import Event
from tests.delivery.broker import MosquittoBroker, Subscriber, TlsListener
from tests.delivery.certificates import Authority, make_authority
from tests.delivery.database import Database
from tests.waiting import wait_until

PASSWORD = "env-hunter2-password"


@pytest.fixture
def publishers() -> Iterator[list[MqttPublisher]]:
    created: list[MqttPublisher] = []
    yield created
    for publisher in created:
        publisher.stop(2)
    names = {f"paho-mqtt-client-{p.client_id}" for p in created}
    wait_until(lambda: not names & {t.name for t in threading.enumerate()}, timeout_s=3)


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return make_authority(tmp_path / "pki")


@pytest.fixture
def tls_broker(tmp_path: Path, authority: Authority) -> Iterator[MosquittoBroker]:
    """A broker whose TLS listener wants a client certificate that ``authority`` signed (the
    plain listener is for the test's subscriber)."""
    listener = TlsListener(
        authority.ca.cert, authority.server.cert, authority.server.key, require_certificate=True
    )
    server = MosquittoBroker(tmp_path, tls=listener)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _publisher(
    publishers: list[MqttPublisher], database: Database, **settings: Any
) -> MqttPublisher:
    config = MqttConfig.model_validate({"host": "127.0.0.1", **settings})
    subscription = mqtt_subscription(config)
    database.subscribe(subscription)
    publisher = MqttPublisher(
        config, database.outbox, subscription, reconnect_min_s=1, reconnect_max_s=1
    )
    publishers.append(publisher)
    return publisher


def _publish_one(database: Database, publisher: MqttPublisher, subscriber: Subscriber) -> None:
    """An event goes in the outbox and arrives at the subscriber."""
    event = Event("track.started", "gate", 1_700_000_000.0, track_id=1)
    publisher.deliver(database.add([event]))
    topic = "trackcast/gate/track.started"
    wait_until(lambda: subscriber.last(topic) is not None, timeout_s=10)
    message = subscriber.last(topic)
    assert message is not None and json.loads(message.payload)["id"] == event.id


def test_events_go_over_tls_with_the_ca_file_and_a_client_certificate(
    tls_broker: MosquittoBroker,
    authority: Authority,
    database: Database,
    publishers: list[MqttPublisher],
) -> None:
    assert tls_broker.tls is not None
    tls = {
        "ca_file": str(authority.ca.cert),
        "cert_file": str(authority.client.cert),
        "key_file": str(authority.client.key),
    }
    with Subscriber(tls_broker.port, "trackcast/#") as subscriber:
        publisher = _publisher(publishers, database, port=tls_broker.tls.port, tls=tls)
        publisher.start()
        wait_until(lambda: publisher.connected, timeout_s=10)
        _publish_one(database, publisher, subscriber)
        assert publisher.stop(5)
    log = tls_broker.log_path.read_text()  # it came in on the TLS listener
    assert f"on port {tls_broker.tls.port}.\n" in log
    assert f"as {publisher.client_id}" in log


@pytest.mark.parametrize("mismatch", ["another CA", "no client certificate", "host name"])
def test_tls_refuses_what_it_cannot_check(
    tls_broker: MosquittoBroker,
    authority: Authority,
    database: Database,
    publishers: list[MqttPublisher],
    tmp_path: Path,
    mismatch: str,
) -> None:
    assert tls_broker.tls is not None
    tls = {
        "ca_file": str(authority.ca.cert),
        "cert_file": str(authority.client.cert),
        "key_file": str(authority.client.key),
    }
    host = "127.0.0.1"
    if mismatch == "another CA":
        tls["ca_file"] = str(make_authority(tmp_path / "other", "another CA").ca.cert)
    elif mismatch == "no client certificate":
        del tls["cert_file"], tls["key_file"]
    else:
        host = "localhost"  # the broker's certificate names 127.0.0.1 only
    publisher = _publisher(publishers, database, host=host, port=tls_broker.tls.port, tls=tls)
    publisher.start()
    refusal = {
        "another CA": "alert unknown ca",  # trackcast refused the broker
        "no client certificate": "peer did not return a certificate",  # the broker refused
        "host name": "Client <unknown> disconnected",
    }[mismatch]
    wait_until(lambda: refusal in tls_broker.log_path.read_text(), timeout_s=15)
    assert not publisher.connected
    if mismatch == "host name":  # the same set-up connects once told to skip the host name
        insecure = _publisher(
            publishers, database, host=host, port=tls_broker.tls.port, tls={**tls, "insecure": True}
        )
        insecure.start()
        wait_until(lambda: insecure.connected, timeout_s=10)


def test_credentials_come_from_the_environment_and_stay_out_of_logs(
    tmp_path: Path,
    database: Database,
    publishers: list[MqttPublisher],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    broker = MosquittoBroker(tmp_path, users={"trackcast": PASSWORD, "watcher": "watcher-pw"})
    broker.start()
    try:
        monkeypatch.setenv("TEST_MQTT_USER", "trackcast")
        monkeypatch.setenv("TEST_MQTT_PASSWORD", PASSWORD)
        with Subscriber(broker.port, "trackcast/#", auth=("watcher", "watcher-pw")) as subscriber:
            publisher = _publisher(
                publishers,
                database,
                port=broker.port,
                username_env="TEST_MQTT_USER",
                password_env="TEST_MQTT_PASSWORD",
            )
            publisher.start()
            wait_until(lambda: publisher.connected, timeout_s=10)
            _publish_one(database, publisher, subscriber)
            assert publisher.stop(5)

        # a wrong password is refused by the broker (so the right one above was used)
        monkeypatch.setenv("TEST_MQTT_PASSWORD", "wrong")
        refused = _publisher(
            publishers,
            database,
            port=broker.port,
            username_env="TEST_MQTT_USER",
            password_env="TEST_MQTT_PASSWORD",
        )
        refused.start()
        wait_until(lambda: "refused the connection" in caplog.text, timeout_s=10)
        assert not refused.connected
    finally:
        broker.stop()
    assert PASSWORD not in caplog.text


def test_a_missing_variable_or_two_sources_of_one_credential_are_config_errors(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_MQTT_PASSWORD", raising=False)
    config = MqttConfig(host="127.0.0.1", password_env="TEST_MQTT_PASSWORD")
    with pytest.raises(ValueError, match="environment variable TEST_MQTT_PASSWORD is not set"):
        MqttPublisher(config, database.outbox, mqtt_subscription(config))
    with pytest.raises(ValidationError, match="not both"):
        MqttConfig(host="127.0.0.1", password="x", password_env="TEST_MQTT_PASSWORD")
    with pytest.raises(ValidationError, match="go together"):
        MqttConfig.model_validate({"host": "h", "tls": {"cert_file": "c.pem"}})
    missing = MqttConfig.model_validate({"host": "h", "tls": {"ca_file": "/nonexistent/ca.pem"}})
    with pytest.raises(ValueError, match=r"mqtt\.tls: cannot load the certificates"):
        MqttPublisher(missing, database.outbox, mqtt_subscription(missing))

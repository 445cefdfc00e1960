"""build_deliveries: one sender per webhook, then MQTT; all of them are Deliveries, each with its
own subscription key."""

from __future__ import annotations

from config.models import MqttConfig, WebhookConfig
from delivery import Delivery, MqttPublisher, WebhookSender, build_deliveries
from tests.delivery.database import Database


def test_one_delivery_per_webhook_then_mqtt(database: Database) -> None:
    webhooks = [
        WebhookConfig(url="https://hooks.example/a?token=abc"),
        WebhookConfig(url="http://ops:secret@hooks.example/b", events=("line.crossed",)),
    ]
    mqtt = MqttConfig(host="broker.example", port=8883, password="secret")
    deliveries: list[Delivery] = build_deliveries(webhooks, mqtt, database.outbox)
    assert [type(d) for d in deliveries] == [WebhookSender, WebhookSender, MqttPublisher]
    assert [d.stats().target for d in deliveries] == [
        "https://hooks.example/a?token=***",
        "http://ops:***@hooks.example/b",
        "mqtt://broker.example:8883",
    ]
    keys = [d.subscription.key for d in deliveries]
    assert len(set(keys)) == 3 and keys[2] == "mqtt:broker.example:8883/trackcast"
    assert not [k for k in keys if "abc" in k or "secret" in k]
    assert deliveries[1].subscription.types == frozenset({"line.crossed"})
    for delivery in deliveries:  # never started: stopping is immediate and clean
        assert delivery.stop(1)


def test_no_targets_no_deliveries(database: Database) -> None:
    assert build_deliveries([], None, database.outbox) == []

"""Delivery: hand committed events to the outside world (webhooks, MQTT), at least once.

Each destination is a subscription (:mod:`delivery.keys`): the storage writer queues every
event a subscription wants in the outbox, in the transaction that stores it, and calls
``deliver(batch)`` on every :class:`Delivery` after the commit only to wake it. Each delivery
sends its rows in order from its own thread and deletes them once accepted; rows still pending
at a stop go out after the next start. Events a destination gives up on move to the dead
letters, from where the API can put them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from config.models import MqttConfig, WebhookConfig
from delivery.keys import mqtt_subscription, webhook_subscriptions
from delivery.mqtt import MqttPublisher
from delivery.signing import SIGNATURE_HEADER, sign, verify
from delivery.stats import DeliveryStats
from delivery.webhooks import WebhookSender
from events.model import StoredEvent
from storage.outbox import Outbox
from storage.subscriptions import Subscription
from stream.heartbeat import ThreadHealth

__all__ = [
    "SIGNATURE_HEADER",
    "Delivery",
    "DeliveryStats",
    "MqttPublisher",
    "WebhookSender",
    "build_deliveries",
    "sign",
    "verify",
]


class Delivery(Protocol):
    """One destination for committed events, owned and stopped by the service."""

    subscription: Subscription

    def deliver(self, batch: Sequence[StoredEvent]) -> None:
        """The writer committed ``batch`` (and queued its outbox rows): look at the outbox."""
        ...

    def nudge(self) -> None:
        """Look at the outbox now (a dead letter was put back)."""
        ...

    def start(self) -> None: ...

    def stop(self, timeout_s: float = 10.0) -> bool: ...

    def stats(self) -> DeliveryStats: ...

    def threads(self) -> list[ThreadHealth]:
        """Liveness of the threads it owns."""
        ...


def build_deliveries(
    webhooks: Sequence[WebhookConfig], mqtt: MqttConfig | None, outbox: Outbox
) -> list[Delivery]:
    """One :class:`WebhookSender` per webhook, then an :class:`MqttPublisher` if configured."""
    deliveries: list[Delivery] = [
        WebhookSender(config, outbox, subscription)
        for config, subscription in zip(webhooks, webhook_subscriptions(webhooks), strict=True)
    ]
    if mqtt is not None:
        deliveries.append(MqttPublisher(mqtt, outbox, mqtt_subscription(mqtt)))
    return deliveries

"""Delivery: hand committed events to the outside world (webhooks, MQTT).

The storage writer calls ``deliver(batch)`` on every :class:`Delivery` right after each commit;
``deliver`` only enqueues, and each delivery sends from its own thread. Events a webhook gives up
on go to a :class:`DeadLetterSink`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from config.models import MqttConfig, WebhookConfig
from delivery.dead_letters import DeadLetterSink
from delivery.mqtt import MqttPublisher
from delivery.signing import SIGNATURE_HEADER, sign, verify
from delivery.stats import DeliveryStats
from delivery.webhooks import WebhookSender
from events.model import StoredEvent
from stream.heartbeat import ThreadHealth

__all__ = [
    "SIGNATURE_HEADER",
    "DeadLetterSink",
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

    def deliver(self, batch: Sequence[StoredEvent]) -> None: ...

    def start(self) -> None: ...

    def stop(self, timeout_s: float = 10.0) -> bool: ...

    def stats(self) -> DeliveryStats: ...

    def threads(self) -> list[ThreadHealth]:
        """Liveness of the threads it owns."""
        ...


def build_deliveries(
    webhooks: Sequence[WebhookConfig], mqtt: MqttConfig | None, dead_letters: DeadLetterSink
) -> list[Delivery]:
    """One :class:`WebhookSender` per webhook, then an :class:`MqttPublisher` if configured."""
    deliveries: list[Delivery] = [WebhookSender(config, dead_letters) for config in webhooks]
    if mqtt is not None:
        deliveries.append(MqttPublisher(mqtt))
    return deliveries

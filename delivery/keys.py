"""Subscription keys: how a configured destination finds its rows in the outbox after a restart.

- A webhook's key is ``webhook:`` and the first 16 hex digits of the SHA-256 of its URL without
  the user info (``https://host/path?query``): changing the password keeps its queue, changing
  the URL starts a new one. The event filter is not part of the key: rows already queued stay
  with the URL they were queued for. A URL configured twice gets ``#2``, ``#3``... in config
  order.
- MQTT's key is ``mqtt:<host>:<port>/<topic_prefix>``.

Rows of a key no longer configured stay in the outbox (logged at start) and are never sent to
another destination; configuring the same destination again resumes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from config.models import MqttConfig, WebhookConfig
from storage.subscriptions import Subscription
from stream.redact import redact_url


def subscriptions(webhooks: Sequence[WebhookConfig], mqtt: MqttConfig | None) -> list[Subscription]:
    """Every configured destination's subscription: the webhooks in config order, then MQTT.
    Each process that stores events subscribes its store to these (in a cluster: the node
    agents and the controller too), so that every event is queued once for each."""
    found = webhook_subscriptions(webhooks)
    if mqtt is not None:
        found.append(mqtt_subscription(mqtt))
    return found


def webhook_subscriptions(webhooks: Sequence[WebhookConfig]) -> list[Subscription]:
    """One subscription per webhook, in config order."""
    subscriptions: list[Subscription] = []
    seen: dict[str, int] = {}
    for config in webhooks:
        key = f"webhook:{hashlib.sha256(_without_userinfo(config.url).encode()).hexdigest()[:16]}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        target = redact_url(config.url)
        subscriptions.append(Subscription(key, target, frozenset(config.events)))
    return subscriptions


def mqtt_subscription(config: MqttConfig) -> Subscription:
    return Subscription(
        f"mqtt:{config.host}:{config.port}/{config.topic_prefix}",
        f"mqtt://{config.host}:{config.port}",
    )


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))

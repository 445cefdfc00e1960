"""Publish committed events to an MQTT broker as ``<topic_prefix>/<camera_id>/<event type>``.

The payload is :meth:`StoredEvent.to_json` as compact JSON, published with the configured QoS and
never retained. paho-mqtt's network thread connects in the background, so trackcast starts while
the broker is down, and reconnects with exponential backoff (``reconnect_min_s`` doubling to
``reconnect_max_s``).

While the broker is unreachable, QoS 1 and 2 messages wait in paho's queue (at most
``queue_size``) and go out once it connects; QoS 0 messages cannot wait and are counted as
``failed``. A message is ``published`` once the broker acknowledged it (QoS 1 and 2) or it was
written to the socket (QoS 0). When ``queue_size`` messages are unsettled, new ones are counted as
``failed`` and dropped, as are events delivered after :meth:`MqttPublisher.stop` began. MQTT
has no dead letters: a dropped message is counted and logged only.

Logs name the broker as ``host:port``; the username and password never appear.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from config.models import MqttConfig
from delivery.stats import DeliveryStats
from events.model import StoredEvent
from stream.heartbeat import ThreadHealth

log = logging.getLogger(__name__)

_SETTLE_MARGIN_S = 1.0
"""Part of ``stop``'s bound kept for disconnecting after waiting for acknowledgements."""


class MqttPublisher:
    """Publishes events to one broker; see the module docstring."""

    def __init__(
        self,
        config: MqttConfig,
        *,
        queue_size: int = 10_000,
        reconnect_min_s: int = 1,
        reconnect_max_s: int = 30,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.config = config
        self.broker = f"{config.host}:{config.port}"
        self.target = f"mqtt://{self.broker}"
        self.client_id = config.client_id or f"trackcast-{secrets.token_hex(6)}"
        self._queue_size = queue_size
        self._cond = threading.Condition()
        self._connected = False
        self._accepted = 0
        self._settled = 0
        self._started = False
        self._stopped: bool | None = None
        """The result of the first ``stop``; later calls return it at once."""
        self._stopping = False
        self._overflowing = False
        self.published = 0
        self.failed = 0
        self._client = self._make_client(reconnect_min_s, reconnect_max_s)

    def _make_client(self, reconnect_min_s: int, reconnect_max_s: int) -> mqtt.Client:
        config = self.config
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
        )
        if config.username is not None:
            client.username_pw_set(config.username, config.password)
        client.reconnect_delay_set(reconnect_min_s, reconnect_max_s)
        client.max_queued_messages_set(self._queue_size)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        return client

    @property
    def connected(self) -> bool:
        with self._cond:
            return self._connected

    def in_flight(self) -> int:
        """Messages handed to paho and not yet acknowledged (or, for QoS 0, written)."""
        with self._cond:
            return max(0, self._accepted - self._settled)

    def stats(self) -> DeliveryStats:
        with self._cond:
            return DeliveryStats(
                target=self.target,
                delivered=self.published,
                failed=self.failed,
                dead_lettered=0,
                queue_depth=max(0, self._accepted - self._settled),
            )

    def threads(self) -> list[ThreadHealth]:
        """None of its own: paho-mqtt owns the network thread (and reconnects by itself)."""
        return []

    def start(self) -> None:
        if self._started:
            raise RuntimeError(f"mqtt publisher for {self.broker} was already started")
        self._started = True
        log.info("connecting to MQTT broker %s", self.broker)
        self._client.connect_async(self.config.host, self.config.port)
        self._client.loop_start()

    def deliver(self, batch: Sequence[StoredEvent]) -> None:
        """Hand each event to paho's queue; never waits for the network."""
        dropped = 0
        for stored in batch:
            if not self._publish(stored):
                dropped += 1
        with self._cond:
            self.failed += dropped
            overflowing = dropped > 0
            if overflowing and not self._overflowing:
                log.warning(
                    "MQTT broker %s: dropping events (%s)",
                    self.broker,
                    "connected but behind" if self._connected else "not connected",
                )
            self._overflowing = overflowing

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Wait up to ``timeout_s`` for unacknowledged messages, then disconnect and stop the
        network thread. False when messages were left unacknowledged or the thread did not end
        in time."""
        if self._stopped is None:
            with self._cond:
                self._stopping = True
            self._stopped = self._stop(timeout_s)
        return self._stopped

    def _stop(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        settle_by = deadline - min(_SETTLE_MARGIN_S, timeout_s / 4) if self._started else 0.0
        with self._cond:
            self._cond.wait_for(
                lambda: self._settled >= self._accepted, max(0.0, settle_by - time.monotonic())
            )
            unsettled = max(0, self._accepted - self._settled)
        if unsettled:
            log.warning(
                "MQTT broker %s: stopping with %d events not acknowledged", self.broker, unsettled
            )
        if not self._started:
            return unsettled == 0
        self._client.disconnect()
        stopper = threading.Thread(
            target=self._client.loop_stop, name=f"trackcast-mqtt-stop {self.broker}", daemon=True
        )
        stopper.start()
        stopper.join(max(0.0, deadline - time.monotonic()))
        if stopper.is_alive():
            log.warning("MQTT broker %s: network thread did not stop in time", self.broker)
        return unsettled == 0 and not stopper.is_alive()

    def _publish(self, stored: StoredEvent) -> bool:
        event = stored.event
        qos = self.config.qos
        with self._cond:
            if self._stopping or self._accepted - self._settled >= self._queue_size:
                return False
        topic = f"{self.config.topic_prefix}/{event.camera_id}/{event.type}"
        try:
            payload = json.dumps(stored.to_json(), separators=(",", ":"))
            info = self._client.publish(topic, payload, qos=qos, retain=False)
        except (TypeError, ValueError) as exc:  # data that is not JSON, a topic paho refuses
            log.warning("MQTT broker %s: cannot publish event %s: %s", self.broker, event.id, exc)
            return False
        queued_offline = info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN and qos > 0
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS and not queued_offline:
            return False
        with self._cond:
            self._accepted += 1
        return True

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.warning("MQTT broker %s refused the connection: %s", self.broker, reason_code)
            return
        with self._cond:
            self._connected = True
        log.info("connected to MQTT broker %s", self.broker)

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        log.warning("cannot reach MQTT broker %s; retrying with backoff", self.broker)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        with self._cond:
            was_connected, self._connected = self._connected, False
        if was_connected and reason_code.is_failure:
            log.warning(
                "lost MQTT broker %s (%s); reconnecting with backoff", self.broker, reason_code
            )

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_code: ReasonCode,
        properties: Properties,
    ) -> None:
        with self._cond:
            self._settled += 1
            if reason_code.is_failure:
                self.failed += 1
            else:
                self.published += 1
            self._cond.notify_all()

"""Publish committed events to an MQTT broker as ``<topic_prefix>/<camera_id>/<event type>``,
from the outbox in the database, so that nothing pending is lost across a restart.

The payload is :meth:`StoredEvent.to_json` as compact JSON, published with the configured QoS and
never retained. paho-mqtt's network thread connects in the background, so trackcast starts while
the broker is down, and reconnects with exponential backoff (``reconnect_min_s`` doubling to
``reconnect_max_s``).

The events to publish are the broker's rows in the outbox (:mod:`storage.outbox`), queued in the
same transaction that stored them. The publisher's thread reads them in seq order while the
broker is connected and hands at most ``window`` at a time to paho, which sends them in that
order (and sends again, after a reconnect, those not yet acknowledged). A row is deleted once
the broker acknowledged its message (QoS 1 and 2) or paho wrote it to the socket (QoS 0). A
message that cannot be published at all (a topic paho refuses) goes to the dead letters. Rows
not yet settled at :meth:`MqttPublisher.stop` stay in the outbox and are published again after
the next start: delivery is at least once, with the event id in the payload.

Availability: the client's last will is ``offline`` (retained, QoS 1) on
``<topic_prefix>/status``; it publishes ``online`` there (retained) on every connect and
``offline`` at a clean :meth:`MqttPublisher.stop`, so the broker tells subscribers (Home
Assistant marks every entity unavailable) when trackcast stops or dies.

With a camera source attached (:meth:`MqttPublisher.watch_cameras`) the publisher also keeps
each camera's state topic and, when ``home_assistant`` is configured, Home Assistant's discovery
configs up to date (:mod:`delivery.homeassistant`).

TLS (``tls``) checks the broker's certificate and host name unless ``insecure``; the username
and password may come from environment variables (``username_env``, ``password_env``). Logs
name the broker as ``host:port``; the username and password never appear.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import secrets
import ssl
import threading
import time
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from config.models import MqttConfig
from config.mqtt import MqttTlsConfig
from delivery.homeassistant import CameraSource, HomeAssistantSync
from delivery.stats import DeliveryStats
from delivery.wakeup import Wakeup
from events.model import StoredEvent
from storage.outbox import Outbox, Pending
from storage.subscriptions import Subscription
from stream.heartbeat import ThreadHealth
from stream.worker import Worker

log = logging.getLogger(__name__)

_SETTLE_MARGIN_S = 1.0
"""Part of ``stop``'s bound kept for disconnecting after waiting for acknowledgements."""
WINDOW = 100
POLL_INTERVAL_S = 2.0
ONLINE = "online"
OFFLINE = "offline"
DATABASE_WAIT_S = 30.0
"""How long one outbox read or update may take (SQLite's busy timeout) before the thread
counts as stalled."""


class MqttPublisher(Worker):
    """Publishes one broker's outbox rows; see the module docstring."""

    def __init__(
        self,
        config: MqttConfig,
        outbox: Outbox,
        subscription: Subscription,
        *,
        window: int = WINDOW,
        poll_interval_s: float = POLL_INTERVAL_S,
        reconnect_min_s: int = 1,
        reconnect_max_s: int = 30,
    ) -> None:
        if window < 1:
            raise ValueError("window must be at least 1")
        self.config = config
        self.subscription = subscription
        self.broker = f"{config.host}:{config.port}"
        self.target = subscription.target
        super().__init__(f"mqtt {self.broker}")
        self.client_id = config.client_id or f"trackcast-{secrets.token_hex(6)}"
        self._outbox = outbox
        self._window = window
        self._wakeup = Wakeup(poll_interval_s)
        self._cond = self._wakeup.cond
        self._connected = False
        self._mids: dict[int, Pending] = {}
        """Messages handed to paho and not yet settled, by message id."""
        self._early: dict[int, bool] = {}
        """Settlements paho reported before ``publish`` returned their mid (mid -> failed)."""
        self._side: set[int] = set()
        """Mids of retained status and state messages (not outbox rows) not yet settled."""
        self._settled: list[tuple[Pending, bool]] = []
        """Acknowledged (or failed) messages whose rows are still to delete."""
        self._stopped: bool | None = None
        """The result of the first ``stop``; later calls return it at once."""
        self._depth = 0
        self.published = 0
        self.failed = 0
        self.dead_lettered = 0
        self.status_topic = f"{config.topic_prefix}/status"
        """Availability: ``online`` while connected, ``offline`` (the last will) otherwise."""
        self._sync = HomeAssistantSync(config)
        self._client = self._make_client(reconnect_min_s, reconnect_max_s)

    def _make_client(self, reconnect_min_s: int, reconnect_max_s: int) -> mqtt.Client:
        config = self.config
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
        )
        username, password = config.credentials()
        if username is not None:
            client.username_pw_set(username, password)
        if config.tls is not None:
            client.tls_set_context(_tls_context(config.tls))
        client.will_set(self.status_topic, OFFLINE, qos=1, retain=True)
        client.reconnect_delay_set(reconnect_min_s, reconnect_max_s)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        return client

    @property
    def connected(self) -> bool:
        with self._cond:
            return self._connected

    def in_flight(self) -> int:
        """Messages handed to paho and not yet acknowledged (or, for QoS 0, written)."""
        with self._cond:
            return len(self._mids)

    def queue_depth(self) -> int:
        """Events waiting in the outbox (the last count when the database cannot answer)."""
        with contextlib.suppress(Exception):
            self._depth = self._outbox.depth(self.subscription.key)
        return self._depth

    def stats(self) -> DeliveryStats:
        depth = self.queue_depth()
        with self._cond:
            return DeliveryStats(
                target=self.target,
                delivered=self.published,
                failed=self.failed,
                dead_lettered=self.dead_lettered,
                queue_depth=depth,
            )

    def threads(self) -> list[ThreadHealth]:
        """The outbox reader (paho-mqtt owns the network thread and reconnects by itself)."""
        return [self.heartbeat.health()]

    def start(self) -> None:
        if self.started:
            raise RuntimeError(f"mqtt publisher for {self.broker} was already started")
        log.info("connecting to MQTT broker %s", self.broker)
        self._client.connect_async(self.config.host, self.config.port)
        self._client.loop_start()
        super().start()

    def watch_cameras(self, source: CameraSource) -> None:
        """Publish the state of ``source``'s cameras (and their Home Assistant discovery when
        configured), kept up to date while running; call before :meth:`start`."""
        self._sync.watch(source)

    def deliver(self, batch: Sequence[StoredEvent]) -> None:
        """Count the batch into the cameras' states and wake the publisher (the writer queued
        the events in the outbox already)."""
        if batch:
            self._sync.observe(batch)
            self._wakeup.hint()

    def nudge(self) -> None:
        """Look at the outbox now (after a dead letter was put back)."""
        self._wakeup.hint()

    def wake(self) -> None:
        """Called by ``stop``: end every wait of the outbox reader."""
        self._wakeup.stop()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Wait up to ``timeout_s`` for messages in flight to be acknowledged, then disconnect
        and stop both threads; unsettled rows stay in the outbox for the next start. False when
        messages were left unacknowledged or a thread did not end in time."""
        if self._stopped is None:
            self._stopped = self._shut_down(timeout_s)
        return self._stopped

    def _shut_down(self, timeout_s: float) -> bool:
        if not self.started:
            return True
        deadline = time.monotonic() + timeout_s
        settle_by = deadline - min(_SETTLE_MARGIN_S, timeout_s / 4)
        super().stop(max(0.0, settle_by - time.monotonic()))
        self._drain(settle_by)
        with self._cond:
            self._cond.wait_for(lambda: not self._mids, max(0.0, settle_by - time.monotonic()))
            unsettled = len(self._mids)
        self._delete_settled()
        if unsettled:
            log.warning(
                "MQTT broker %s: stopping with %d events not acknowledged; they stay queued for "
                "the next start",
                self.broker,
                unsettled,
            )
        self._announce_offline(max(0.0, deadline - time.monotonic()) / 2)
        self._client.disconnect()
        stopper = threading.Thread(
            target=self._client.loop_stop, name=f"trackcast-mqtt-stop {self.broker}", daemon=True
        )
        stopper.start()
        stopper.join(max(0.0, deadline - time.monotonic()))
        if stopper.is_alive():
            log.warning("MQTT broker %s: network thread did not stop in time", self.broker)
        threads_done = not stopper.is_alive() and not self.running
        return unsettled == 0 and threads_done

    def _announce_offline(self, timeout_s: float) -> None:
        """Publish ``offline`` (retained) before a clean disconnect, which sends no will."""
        if not self.connected:
            return
        try:
            info = self._client.publish(self.status_topic, OFFLINE, qos=1, retain=True)
            self._side_message(info.mid)
            info.wait_for_publish(timeout_s)
        except (RuntimeError, ValueError) as error:  # gone meanwhile: the will says it
            log.debug("MQTT broker %s: offline not published (%s)", self.broker, error)

    def _drain(self, settle_by: float) -> None:
        """While the broker is connected, publish what is left until ``settle_by``."""
        while time.monotonic() < settle_by:
            try:
                self._delete_settled()
                published = self._publish_due()
            except Exception:
                return  # the rows stay for the next start
            with self._cond:
                if not published and not self._mids:
                    return  # all published, or the broker is gone
                self._cond.wait(max(0.0, min(0.05, settle_by - time.monotonic())))

    def run(self) -> None:
        while self._wakeup.clear():
            self.heartbeat.beat(DATABASE_WAIT_S)
            try:
                self._delete_settled()
                published = self._publish_due()
            except Exception as error:  # the database failed: the rows are still there
                log.error(
                    "MQTT broker %s: the outbox cannot be read or updated (%s); retrying",
                    self.broker, type(error).__name__,
                )  # fmt: skip
                published = 0
            self._sync_cameras()
            if not published:
                self.heartbeat.beat(math.inf)  # idle (or waiting for the broker) is not stuck
                self._wakeup.idle()

    def _sync_cameras(self) -> None:
        """Publish what changed in the cameras' states and discovery configs (when connected)."""
        if not self.connected:
            return
        try:
            self._sync.sync(self._publish_retained)
        except Exception:  # a camera source that failed: the next round tries again
            log.exception("MQTT broker %s: cannot publish the cameras' states", self.broker)

    def _publish_retained(self, topic: str, payload: str) -> bool:
        """Hand paho one retained QoS 1 message; False when it was not queued."""
        info = self._client.publish(topic, payload, qos=1, retain=True)
        self._side_message(info.mid)
        return info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS

    def _side_message(self, mid: int) -> None:
        """Mark ``mid`` as no outbox row's, so that its acknowledgement settles nothing."""
        with self._cond:
            if self._early.pop(mid, None) is None:
                self._side.add(mid)

    def _publish_due(self) -> int:
        """Hand paho the next rows not yet in flight, up to the window; how many."""
        with self._cond:
            if not self._connected:
                return 0
            in_flight = {item.seq for item in self._mids.values()}
            in_flight |= {item.seq for item, _ in self._settled}
        room = self._window - len(in_flight)
        if room <= 0:
            return 0
        rows = self._outbox.head(self.subscription.key, len(in_flight) + room)
        count = 0
        for item in rows:
            if item.seq in in_flight:
                continue
            if not self._publish(item):
                break
            count += 1
        return count

    def _publish(self, item: Pending) -> bool:
        """Hand one row to paho; False when it has to wait (disconnected, paho's queue full)."""
        topic = f"{self.config.topic_prefix}/{item.camera_id}/{item.event_type}"
        try:  # not under the lock: paho calls on_publish holding its own
            payload = json.dumps(item.payload, separators=(",", ":"))
            info = self._client.publish(topic, payload, qos=self.config.qos, retain=False)
        except (TypeError, ValueError) as exc:  # data that is not JSON, a topic paho refuses
            self._give_up(item, f"permanent failure: {exc}")
            return True
        queued_offline = info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN and self.config.qos > 0
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS and not queued_offline:
            return False
        with self._cond:  # on_publish may have come first: it left the outcome in _early
            early = self._early.pop(info.mid, None)
            if early is None:
                self._mids[info.mid] = item
            else:
                self._settle(item, early)
        return True

    def _settle(self, item: Pending, failed: bool) -> None:
        """Record an outcome (lock held); the thread deletes the row."""
        self._settled.append((item, failed))
        if failed:
            self.failed += 1
        else:
            self.published += 1
        self._wakeup.hint()  # the lock is reentrant

    def _delete_settled(self) -> None:
        """Delete the rows of acknowledged messages (failed ones are published again)."""
        with self._cond:
            settled, self._settled = self._settled, []
        try:
            self._outbox.delivered(self.subscription.key, *(i.seq for i, bad in settled if not bad))
        except Exception:
            with self._cond:
                self._settled[:0] = settled
            raise

    def _give_up(self, item: Pending, reason: str) -> None:
        log.warning(
            "MQTT broker %s: cannot publish event %s: %s", self.broker, item.event_id, reason
        )
        self._outbox.dead_letter(self.subscription, item, item.attempts + 1, reason)
        with self._cond:
            self.dead_lettered += 1

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
        self._side_message(client.publish(self.status_topic, ONLINE, qos=1, retain=True).mid)
        self._sync.resend()  # the broker may have lost its retained messages
        for topic in self._sync.subscriptions():
            client.subscribe(topic, qos=1)
        with self._cond:
            self._connected = True
        self._wakeup.hint()
        log.info("connected to MQTT broker %s", self.broker)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if self._sync.received(message.topic, bytes(message.payload), bool(message.retain)):
            self._wakeup.hint()

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
            if mid in self._side:
                self._side.discard(mid)
                return
            item = self._mids.pop(mid, None)
            if item is None:
                self._early[mid] = reason_code.is_failure
                return
            self._settle(item, reason_code.is_failure)
        if reason_code.is_failure:
            log.warning(
                "MQTT broker %s refused event %s (%s); publishing it again",
                self.broker, item.event_id, reason_code,
            )  # fmt: skip


def _tls_context(tls: MqttTlsConfig) -> ssl.SSLContext:
    """A client context that checks the broker's chain (and host name unless ``insecure``);
    ValueError naming the file that cannot be read."""
    try:
        context = ssl.create_default_context(cafile=tls.ca_file)
        if tls.cert_file is not None:
            context.load_cert_chain(tls.cert_file, tls.key_file)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"mqtt.tls: cannot load the certificates: {error}") from None
    context.check_hostname = not tls.insecure
    context.sslsocket_class = _ClosingSSLSocket
    return context


class _ClosingSSLSocket(ssl.SSLSocket):
    """Closes itself when its handshake fails: paho-mqtt (2.1) drops a socket whose handshake
    failed without closing it, which leaks a descriptor per reconnect attempt until collected."""

    def do_handshake(self, block: bool = False) -> None:
        try:
            super().do_handshake(block)
        except BaseException:
            self.close()
            raise

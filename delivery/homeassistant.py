"""Each camera's state topic and its Home Assistant MQTT discovery configs.

State: ``<topic_prefix>/<camera>/state``, retained, JSON::

    {"state": "streaming",
     "lines": {"door": {"in": 3, "out": 1}},
     "zones": {"lobby": {"occupancy": 2}}}

``state`` is the camera's :class:`stream.health.CameraState` (``disabled`` for a disabled camera);
line counts are the crossings per direction (every class) since trackcast started, zone
occupancy the tracks inside now. Published when it changes (events, or the camera's state,
looked at every poll interval); counts start again from 0 at a restart.

Discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery), when
``mqtt.home_assistant`` is configured: one device per camera (``identifiers``:
``<topic_prefix>_<camera>``, manufacturer ``trackcast``) with, under
``<discovery_prefix>/<component>/<node_id>/<object_id>/config`` (retained):

- ``sensor`` ``state``: the camera state (device class ``enum``);
- ``binary_sensor`` ``streaming``: on while the camera streams (device class ``connectivity``);
- ``sensor`` ``line_<line>_<direction>``: each line's crossings per direction
  (state class ``total_increasing``);
- ``sensor`` ``zone_<zone>_occupancy``: each zone's occupancy (state class ``measurement``).

All read the camera's state topic and are available while ``<topic_prefix>/status`` is
``online``. A camera (or a line, a zone) that goes away gets an empty retained config, which
removes its entities from Home Assistant, and its state topic is cleared; so do those of a
camera deleted while trackcast was down (found among the retained configs at connect). When
Home Assistant says ``online`` on ``<discovery_prefix>/status`` every config is sent again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from config.models import CameraConfig, MqttConfig
from events.model import LINE_CROSSED, ZONE_ENTERED, ZONE_EXITED, StoredEvent
from stream.health import CameraState

DISABLED = "disabled"
CAMERA_STATES: tuple[str, ...] = (*(state.value for state in CameraState), DISABLED)
MANUFACTURER = "trackcast"
MODEL = "trackcast camera"

Publish = Callable[[str, str], bool]
"""(topic, payload) -> queued: publish one retained message."""


@dataclass(frozen=True, slots=True)
class CameraSnapshot:
    """A camera's settings and where it is now (None: disabled)."""

    camera: CameraConfig
    state: CameraState | None


class CameraSource(Protocol):
    """The cameras to publish (the service's camera set)."""

    def snapshot(self) -> list[CameraSnapshot]: ...


def object_id(text: str) -> str:
    """``text`` as a discovery topic level (``[A-Za-z0-9_-]``); a text that had to change gets
    a short hash, so that two names never share an id."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", text)
    if cleaned == text:
        return text
    return f"{cleaned}_{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def _compact(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def _version() -> str:
    try:
        return importlib.metadata.version("trackcast")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class HomeAssistantSync:
    """What has been published, and what the cameras' topics should hold now."""

    def __init__(self, config: MqttConfig) -> None:
        self.config = config
        self.status_topic = f"{config.topic_prefix}/status"
        self._source: CameraSource | None = None
        self._lock = threading.Lock()
        self._lines: dict[tuple[str, str], dict[str, int]] = {}
        """(camera, line) -> direction -> crossings."""
        self._inside: dict[tuple[str, str], int] = {}
        """(camera, zone) -> tracks inside."""
        self._sent: dict[str, str | None] = {}
        """Retained topic -> what it holds (None: to send again after a reconnect)."""
        self._generation = 0
        """Reconnects so far."""
        self._configs: dict[str, tuple[CameraConfig, dict[str, str]]] = {}
        """Camera id -> the settings its discovery configs were made for, and those configs."""
        self._version = _version()

    def watch(self, source: CameraSource) -> None:
        self._source = source

    def observe(self, batch: Sequence[StoredEvent]) -> None:
        """Count crossings, entries and exits into the states."""
        with self._lock:
            for stored in batch:
                event = stored.event
                key = (event.camera_id, event.region or "")
                if event.type == LINE_CROSSED:
                    direction = str(event.data.get("direction", ""))
                    per_direction = self._lines.setdefault(key, {})
                    per_direction[direction] = per_direction.get(direction, 0) + 1
                elif event.type == ZONE_ENTERED:
                    self._inside[key] = self._inside.get(key, 0) + 1
                elif event.type == ZONE_EXITED:
                    self._inside[key] = max(0, self._inside.get(key, 0) - 1)

    def resend(self) -> None:
        """After a (re)connect: send everything again at the next :meth:`sync` (the broker may
        have lost its retained messages), still clearing the topics of cameras gone meanwhile."""
        with self._lock:
            self._sent = dict.fromkeys(self._sent)
            self._generation += 1

    def subscriptions(self) -> list[str]:
        """Topics to follow while connected: the retained state topics and (with discovery) the
        retained configs, to find those a camera deleted while trackcast was down left behind,
        and Home Assistant's status, to send everything again when it starts."""
        if self._source is None:
            return []
        topics = [f"{self.config.topic_prefix}/+/state"]
        if self.config.home_assistant is not None:
            prefix = self.config.home_assistant.discovery_prefix
            topics += [f"{prefix}/status", f"{prefix}/+/+/+/config"]
        return topics

    def received(self, topic: str, payload: bytes, retained: bool) -> bool:
        """A message on a followed topic; True when :meth:`sync` has something to do."""
        discovery = self.config.home_assistant
        if discovery is not None and topic == f"{discovery.discovery_prefix}/status":
            if payload == b"online":  # Home Assistant (re)started: send the configs again
                self.resend()
                return True
            return False
        if not (retained and payload and self._ours(topic, payload)):
            return False
        with self._lock:  # sync keeps it if still wanted, or clears it
            self._sent.setdefault(topic, None)
        return True

    def _ours(self, topic: str, payload: bytes) -> bool:
        """A state topic, or a discovery config trackcast published with this topic prefix."""
        if topic.startswith(f"{self.config.topic_prefix}/") and topic.endswith("/state"):
            return True
        try:
            config = json.loads(payload)
        except ValueError:
            return False
        if not isinstance(config, dict):
            return False
        origin, state_topic = config.get("origin"), config.get("state_topic")
        return (
            isinstance(origin, dict)
            and origin.get("name") == MANUFACTURER
            and isinstance(state_topic, str)
            and state_topic.startswith(f"{self.config.topic_prefix}/")
        )

    def sync(self, publish: Publish) -> None:
        """Publish every retained message that changed; clear those no longer wanted."""
        if self._source is None:
            return
        wanted: dict[str, str] = {}
        snapshots = self._source.snapshot()
        for snapshot in snapshots:
            wanted.update(self.messages(snapshot))
        self._forget_all_but({snapshot.camera.id for snapshot in snapshots})
        with self._lock:
            sent, generation = dict(self._sent), self._generation
        for topic, payload in wanted.items():
            if sent.get(topic) != payload and publish(topic, payload):
                sent[topic] = payload
        cleared = {topic for topic in sent if topic not in wanted and publish(topic, "")}
        for topic in cleared:
            del sent[topic]
        with self._lock:
            if generation != self._generation:  # a reconnect meanwhile: send everything again
                sent = dict.fromkeys(sent)
            for topic in self._sent:  # found meanwhile among the retained messages
                if topic not in sent and topic not in cleared:
                    sent[topic] = None
            self._sent = sent

    def _forget_all_but(self, camera_ids: set[str]) -> None:
        """Drop the counts and cached configs of cameras that are gone."""
        for camera_id in [c for c in self._configs if c not in camera_ids]:
            del self._configs[camera_id]
        with self._lock:
            for counts in (self._lines, self._inside):
                for key in [k for k in counts if k[0] not in camera_ids]:
                    del counts[key]

    def messages(self, snapshot: CameraSnapshot) -> dict[str, str]:
        """Topic -> retained payload: the discovery configs (if configured), then the state."""
        camera = snapshot.camera
        state_topic = f"{self.config.topic_prefix}/{camera.id}/state"
        messages: dict[str, str] = {}
        if self.config.home_assistant is not None:
            cached = self._configs.get(camera.id)
            if cached is None or cached[0] != camera:
                configs = self._discovery(camera, state_topic)
                encoded = {
                    t: json.dumps(c, separators=(",", ":"), sort_keys=True)
                    for t, c in configs.items()
                }
                cached = self._configs[camera.id] = (camera, encoded)
            messages.update(cached[1])
        messages[state_topic] = _compact(self._state(snapshot))
        return messages

    def _state(self, snapshot: CameraSnapshot) -> dict[str, Any]:
        camera = snapshot.camera
        with self._lock:
            lines = {
                line.name: {
                    direction: self._lines.get((camera.id, line.name), {}).get(direction, 0)
                    for direction in (line.in_name, line.out_name)
                }
                for line in camera.lines
            }
            zones = {
                zone.name: {"occupancy": self._inside.get((camera.id, zone.name), 0)}
                for zone in camera.zones
            }
        state = DISABLED if snapshot.state is None else snapshot.state.value
        return {"state": state, "lines": lines, "zones": zones}

    def _discovery(self, camera: CameraConfig, state_topic: str) -> dict[str, dict[str, Any]]:
        """Discovery topic -> config, for every entity of ``camera``."""
        assert self.config.home_assistant is not None
        prefix = self.config.home_assistant.discovery_prefix
        node = object_id(f"{self.config.topic_prefix}_{camera.id}")
        common: dict[str, Any] = {
            "state_topic": state_topic,
            "availability": [
                {
                    "topic": self.status_topic,
                    "payload_available": "online",
                    "payload_not_available": "offline",
                }
            ],
            "device": {
                "identifiers": [node],
                "name": camera.id,
                "manufacturer": MANUFACTURER,
                "model": MODEL,
                "sw_version": self._version,
            },
            "origin": {"name": "trackcast", "sw_version": self._version},
        }
        entities: list[tuple[str, str, dict[str, Any]]] = [
            (
                "sensor",
                "state",
                {
                    "name": "State",
                    "device_class": "enum",
                    "options": list(CAMERA_STATES),
                    "value_template": "{{ value_json.state }}",
                },
            ),
            (
                "binary_sensor",
                "streaming",
                {
                    "name": "Streaming",
                    "device_class": "connectivity",
                    "payload_on": "ON",
                    "payload_off": "OFF",
                    "value_template": "{{ 'ON' if value_json.state == 'streaming' else 'OFF' }}",
                },
            ),
        ]
        for line in camera.lines:
            for direction in (line.in_name, line.out_name):
                path = f"value_json.lines[{json.dumps(line.name)}][{json.dumps(direction)}]"
                entities.append(
                    (
                        "sensor",
                        f"line_{object_id(line.name)}_{object_id(direction)}",
                        {
                            "name": f"{line.name} {direction}",
                            "state_class": "total_increasing",
                            "icon": "mdi:counter",
                            "value_template": f"{{{{ {path} }}}}",
                        },
                    )
                )
        for zone in camera.zones:
            path = f"value_json.zones[{json.dumps(zone.name)}].occupancy"
            entities.append(
                (
                    "sensor",
                    f"zone_{object_id(zone.name)}_occupancy",
                    {
                        "name": f"{zone.name} occupancy",
                        "state_class": "measurement",
                        "icon": "mdi:account-group",
                        "value_template": f"{{{{ {path} }}}}",
                    },
                )
            )
        return {
            f"{prefix}/{component}/{node}/{entity}/config": {
                **common,
                **fields,
                "default_entity_id": f"{component}.{node}_{entity}",
                "unique_id": f"{node}_{entity}",
            }
            for component, entity, fields in entities
        }

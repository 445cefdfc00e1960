"""The part of Home Assistant's MQTT discovery schema that trackcast uses, as strict pydantic
models written from HA's documentation (not from trackcast's code): an unknown key, a missing
required one or a value HA would refuse fails validation.

Sources: https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery (topic format, device,
origin, availability), https://www.home-assistant.io/integrations/sensor.mqtt/ and
https://www.home-assistant.io/integrations/binary_sensor.mqtt/ (entity keys),
https://developers.home-assistant.io/docs/core/entity/sensor/ (state classes, the ``enum``
device class and its ``options``); ``default_entity_id`` replaced ``object_id`` in 2025.10.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

DISCOVERY_TOPIC = re.compile(
    r"^(?P<prefix>[^#+]+)/(?P<component>[a-z_]+)/(?P<node_id>[A-Za-z0-9_-]+)/"
    r"(?P<object_id>[A-Za-z0-9_-]+)/config$"
)
"""``<discovery_prefix>/<component>/[<node_id>/]<object_id>/config``: ids are
``[a-zA-Z0-9_-]``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Availability(_Strict):
    topic: str = Field(min_length=1)
    payload_available: str = "online"
    payload_not_available: str = "offline"
    value_template: str | None = None


class Device(_Strict):
    identifiers: list[str] = Field(min_length=1)
    name: str = Field(min_length=1)
    manufacturer: str | None = None
    model: str | None = None
    model_id: str | None = None
    sw_version: str | None = None
    hw_version: str | None = None
    serial_number: str | None = None
    suggested_area: str | None = None
    configuration_url: str | None = None
    via_device: str | None = None
    connections: list[tuple[str, str]] | None = None


class Origin(_Strict):
    name: str = Field(min_length=1)
    sw_version: str | None = None
    support_url: str | None = None


class _Entity(_Strict):
    state_topic: str = Field(min_length=1, pattern=r"^[^#+]+$")
    unique_id: str = Field(min_length=1)
    name: str | None = None
    default_entity_id: str | None = Field(None, pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    value_template: str | None = None
    availability: list[Availability] | None = Field(None, min_length=1)
    availability_mode: Literal["all", "any", "latest"] | None = None
    device: Device | None = None
    origin: Origin | None = None
    icon: str | None = Field(None, pattern=r"^[a-z]+:[a-z0-9-]+$")
    enabled_by_default: bool | None = None
    entity_category: Literal["diagnostic"] | None = None
    expire_after: int | None = None
    force_update: bool | None = None
    qos: Literal[0, 1, 2] | None = None
    json_attributes_topic: str | None = None
    json_attributes_template: str | None = None
    encoding: str | None = None


class SensorConfig(_Entity):
    device_class: str | None = None
    state_class: Literal["measurement", "measurement_angle", "total", "total_increasing"] | None = (
        None
    )
    unit_of_measurement: str | None = None
    options: list[str] | None = None
    suggested_display_precision: int | None = None
    last_reset_value_template: str | None = None

    @model_validator(mode="after")
    def _enum_rules(self) -> Self:
        """HA: an ``enum`` sensor lists its ``options`` and has no state class nor unit;
        ``options`` is only for ``enum``."""
        if self.device_class == "enum":
            if not self.options:
                raise ValueError("an enum sensor needs options")
            if self.state_class is not None or self.unit_of_measurement is not None:
                raise ValueError("an enum sensor has no state_class nor unit")
        elif self.options is not None:
            raise ValueError("options is only for the enum device class")
        return self


BinarySensorClass = Literal[
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
    "garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving", "occupancy",
    "opening", "plug", "power", "presence", "problem", "running", "safety", "smoke", "sound",
    "tamper", "update", "vibration", "window",
]  # fmt: skip


class BinarySensorConfig(_Entity):
    device_class: BinarySensorClass | None = None
    payload_on: str = "ON"
    payload_off: str = "OFF"
    off_delay: int | None = None


COMPONENTS: dict[str, type[_Entity]] = {
    "sensor": SensorConfig,
    "binary_sensor": BinarySensorConfig,
}


def validate_discovery(topic: str, payload: bytes) -> _Entity:
    """The config published on ``topic``, validated for its component (AssertionError for a
    topic HA would not read)."""
    match = DISCOVERY_TOPIC.match(topic)
    assert match is not None, f"not a discovery topic: {topic}"
    model = COMPONENTS[match["component"]]
    entity = model.model_validate_json(payload)
    if entity.default_entity_id is not None:
        assert entity.default_entity_id.startswith(f"{match['component']}.")
    return entity

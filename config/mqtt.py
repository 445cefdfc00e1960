"""MQTT settings besides the broker's address: TLS, credentials from the environment and Home
Assistant discovery.

Standalone on purpose: ``config.models`` embeds these models without an import cycle.
"""

from __future__ import annotations

import os
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.limits import MAX_NAME_LENGTH, MAX_PATH_LENGTH

ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MqttTlsConfig(_Strict):
    """TLS to the broker (its port is usually 8883). The broker's certificate and host name are
    always checked unless ``insecure`` is set."""

    ca_file: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_PATH_LENGTH,
        description="PEM file of the CA(s) that signed the broker's certificate; default: the "
        "system's trusted CAs.",
    )
    cert_file: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_PATH_LENGTH,
        description="PEM client certificate, for brokers that require one (with key_file).",
    )
    key_file: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_PATH_LENGTH,
        description="PEM private key of cert_file (unencrypted).",
    )
    insecure: bool = Field(
        False,
        description="Skip checking that the certificate names the broker's host (the chain is "
        "still checked). For test set-ups only.",
    )

    @model_validator(mode="after")
    def _key_with_cert(self) -> Self:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class HomeAssistantConfig(_Strict):
    """Home Assistant MQTT discovery: every camera appears as a device with its state, each
    line's counts and each zone's occupancy as entities."""

    discovery_prefix: str = Field(
        "homeassistant",
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        pattern=r"^[^#+]+$",
        description="Home Assistant's discovery prefix (its MQTT integration's setting).",
    )


def env_value(name: str | None, what: str) -> str | None:
    """The value of environment variable ``name`` (None when no name is given); ValueError
    naming ``what`` when it is not set."""
    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        raise ValueError(f"{what}: environment variable {name} is not set")
    return value

"""The README's integration examples: the config block validates and the webhook receiver
accepts what trackcast signs."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import yaml

from config import AppConfig
from delivery.standard_webhooks import signature_headers, signing_key
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def _block(language: str, starts_with: str) -> str:
    for match in re.finditer(rf"```{language}\n(.*?)```", README, re.S):
        if match.group(1).startswith(starts_with):
            return match.group(1)
    raise AssertionError(f"no {language} block starting with {starts_with!r} in the README")


def test_the_service_config_example_validates() -> None:
    config = AppConfig.model_validate(yaml.safe_load(_block("yaml", "# additions to cameras")))
    assert config.mqtt is not None and config.mqtt.home_assistant is not None
    assert config.mqtt.tls is not None and config.mqtt.password_env == "TRACKCAST_MQTT_PASSWORD"
    assert config.webhooks[0].secret is not None
    assert config.webhooks[0].secret.startswith("whsec_")


def test_the_receiver_example_verifies_a_signed_body() -> None:
    namespace: dict[str, Any] = {}
    exec(_block("python", "from standardwebhooks import"), namespace)
    config = AppConfig.model_validate(yaml.safe_load(_block("yaml", "# additions to cameras")))
    secret = config.webhooks[0].secret
    assert secret is not None
    body = json.dumps({"id": "e1", "type": "line.crossed"}).encode()
    headers = signature_headers(signing_key(secret), "e1", int(time.time()), body)
    assert namespace["receive"](body, headers) == {"id": "e1", "type": "line.crossed"}
    with pytest.raises(namespace["WebhookVerificationError"]):
        namespace["receive"](body.replace(b"line", b"zone"), headers)

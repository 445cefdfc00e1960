"""The secrets a configuration holds, gathered for redaction (see :mod:`service.log_redaction`)."""

from __future__ import annotations

import os

from config import AppConfig
from stream.redact import SecretSet


def config_secrets(
    config: AppConfig, admin_token: str | None = None, into: SecretSet | None = None
) -> SecretSet:
    """API tokens, the admin token, webhook keys and URL secrets, the MQTT password (from the
    config or its environment variable), the database URL's password and every configured
    camera's URL secrets; added to ``into`` if given (and returned)."""
    secrets = into if into is not None else SecretSet()
    secrets.add(admin_token, *(token.token for token in config.auth.tokens))
    for webhook in config.webhooks:
        secrets.add(webhook.secret)
        secrets.add_url(webhook.url)
    if config.mqtt is not None:
        secrets.add(config.mqtt.password)
        if config.mqtt.password_env is not None:
            secrets.add(os.environ.get(config.mqtt.password_env))
    if config.storage.url:
        secrets.add_url(config.storage.url)
    for camera in config.cameras:
        secrets.add_url(camera.url)
    return secrets

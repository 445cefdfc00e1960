"""The log filter `trackcast serve` installs: messages, arguments, tracebacks and uvicorn's access
log lose every password and token, and formatters still get the arguments they read."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from uvicorn.logging import AccessFormatter

from config import AppConfig
from service.log_redaction import RedactingFilter, install_log_redaction
from service.secrets import config_secrets
from stream.redact import SecretSet

TOKEN = "admin-token-0123456789"
PASSWORD = "hunter2-s3cret"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger with its own handler, redacting with the known token and password."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler.addFilter(RedactingFilter(SecretSet([TOKEN, PASSWORD])))
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def test_messages_arguments_and_tracebacks_are_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.warning("cannot open %s after %d tries (%.1f s)", "rtsp:u:pw@cam/x", 3, 2.5)
    logger.info("token %s works", TOKEN)
    logger.info("split %s:%s@%s", "user", "pw", "host")  # only the finished line shows a URL
    logger.info("rtsp://u:%s@h", "pw")
    try:
        raise OSError(f"Connection refused: 'http://u:{PASSWORD}@127.0.0.1:9/x?apikey=k'")
    except OSError:
        logger.exception("failed")
    logger.info("dict %(url)s", {"url": "http://h/x?access_token=abc"})
    text = stream.getvalue()
    assert "cannot open rtsp:u:***@cam/x after 3 tries (2.5 s)" in text
    assert "token *** works" in text
    assert "split user:***@host" in text and "rtsp://u:***@h" in text
    assert "http://u:***@127.0.0.1:9/x?apikey=***" in text and "Traceback" in text
    assert "dict http://h/x?access_token=***" in text
    assert PASSWORD not in text and TOKEN not in text and ":pw@" not in text


def test_uvicorn_access_log_keeps_its_fields_and_loses_query_tokens() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    logger = logging.getLogger("tests.redaction.access")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        install_log_redaction(SecretSet(), loggers=("tests.redaction.access",))
        path = f"/api/events/stream?after=3&access_token={TOKEN}"
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue().strip()
    assert (
        line == '127.0.0.1:5000 - "GET /api/events/stream?after=3&access_token=*** HTTP/1.1" 200 OK'
    )


def test_an_mqtt_password_from_the_environment_is_a_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_MQTT_PASSWORD", PASSWORD)
    config = AppConfig.model_validate(
        {"mqtt": {"host": "broker", "username": "tc", "password_env": "TEST_MQTT_PASSWORD"}}
    )
    secrets = config_secrets(config)
    assert PASSWORD in secrets
    assert PASSWORD not in secrets.redact(f"connecting with {PASSWORD}")

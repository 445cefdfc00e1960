"""The two log formats, line by line, and which setting wins: flag, environment, config."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import pytest

from config.logs import LogFormat, LoggingConfig, LogLevel
from service.log_redaction import install_log_redaction
from service.logs import LogSettings, StderrHandler, configure_logging, report_user_error
from stream.redact import SecretSet

TOKEN = "admin-token-0123456789"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Put the root logger, uvicorn's and the quiet libraries' back as they were."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in ("alembic", "aiortc", "aioice")}
    try:
        yield
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)
        logging.captureWarnings(False)


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


def test_text_keeps_one_record_on_one_line(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(LogSettings(LogFormat.TEXT, LogLevel.INFO))
    logger = logging.getLogger("tests.logs")
    try:
        raise RuntimeError("broken\nacross lines")
    except RuntimeError:
        logger.exception("camera %s failed", "lobby", extra={"camera": "lobby"})
    logger.debug("not shown")
    [line] = lines(capsys)
    assert " ERROR tests.logs: camera lobby failed\\nTraceback" in line
    assert "RuntimeError: broken\\nacross lines" in line


def test_json_has_the_fields_the_exception_and_extras(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(LogSettings(LogFormat.JSON, LogLevel.DEBUG))
    install_log_redaction(SecretSet([TOKEN]))
    logger = logging.getLogger("tests.logs")
    logger.debug("token %s in use", TOKEN, extra={"camera": "lobby", "url": f"rtsp://u:{TOKEN}@h"})
    try:
        raise ValueError(TOKEN)
    except ValueError:
        logger.exception("failed")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("deprecated thing", DeprecationWarning, stacklevel=1)
    first, second, warned = (json.loads(line) for line in lines(capsys))
    assert first["level"] == "DEBUG" and first["logger"] == "tests.logs"
    assert first["message"] == "token *** in use"
    assert first["camera"] == "lobby" and first["url"] == "rtsp://u:***@h"
    assert "T" in first["time"] and first["time"][-6] in "+-"
    assert second["exception"].startswith("Traceback") and TOKEN not in second["exception"]
    assert warned["logger"] == "py.warnings" and "deprecated thing" in warned["message"]


def test_configuring_again_keeps_one_handler_and_its_filters(root_logging: None) -> None:
    first = configure_logging(LogSettings(LogFormat.TEXT, LogLevel.WARNING))
    redacting = install_log_redaction(SecretSet([TOKEN]))
    second = configure_logging(LogSettings(LogFormat.JSON, LogLevel.INFO))
    assert second is first and redacting in second.filters
    assert [h for h in logging.getLogger().handlers if isinstance(h, StderrHandler)] == [first]
    assert logging.getLogger("alembic").level == logging.WARNING
    configure_logging(LogSettings(LogFormat.JSON, LogLevel.DEBUG))
    assert logging.getLogger("alembic").getEffectiveLevel() == logging.DEBUG


def test_flag_then_environment_then_config() -> None:
    config = LoggingConfig(format=LogFormat.JSON, level=LogLevel.DEBUG)
    assert LogSettings.resolve(config, environ={}) == LogSettings(LogFormat.JSON, LogLevel.DEBUG)
    environ = {"TRACKCAST_LOG_FORMAT": "TEXT", "TRACKCAST_LOG_LEVEL": "warning"}
    from_env = LogSettings.resolve(config, environ=environ)
    assert from_env == LogSettings(LogFormat.TEXT, LogLevel.WARNING)
    flagged = LogSettings.resolve(config, flag=LogFormat.JSON, environ=environ)
    assert flagged.format is LogFormat.JSON
    assert LogSettings.resolve(None, environ={}) == LogSettings(LogFormat.TEXT, LogLevel.WARNING)
    with pytest.raises(ValueError, match="TRACKCAST_LOG_FORMAT='xml': give one of text, json"):
        LogSettings.resolve(None, environ={"TRACKCAST_LOG_FORMAT": "xml"})


def test_a_user_error_is_a_json_record_when_json_is_chosen(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(LogSettings(LogFormat.JSON, LogLevel.WARNING))
    report_user_error("cameras.0.url: not a camera")
    [line] = lines(capsys)
    entry = json.loads(line)
    assert (entry["level"], entry["logger"]) == ("ERROR", "trackcast")
    assert entry["message"] == "cameras.0.url: not a camera"


def test_a_user_error_reads_like_a_command_line_tool_in_text(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(LogSettings(LogFormat.TEXT, LogLevel.WARNING))
    report_user_error("cameras.0.url: not a camera")
    assert lines(capsys) == ["trackcast: error: cameras.0.url: not a camera"]

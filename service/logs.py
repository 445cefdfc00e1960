"""One log format for the whole process: trackcast, uvicorn, alembic, aiortc and the rest.

:func:`configure_logging` puts one handler on the root logger, writing to stderr in the chosen
:class:`~config.logs.LogFormat`, and makes every library's logger reach it: uvicorn's loggers lose
their own handlers and propagate (serve uvicorn with ``log_config=None``), Python warnings become
log records, and the chatter of alembic, aiortc and aioice is kept to warnings unless the level is
debug. Calling it again (once the config is read) changes the format and level of the same handler,
so the redaction filters already on it (:mod:`service.log_redaction`) stay.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO, TypeVar

from config.logs import LogFormat, LoggingConfig, LogLevel

FORMAT_VARIABLE = "TRACKCAST_LOG_FORMAT"
LEVEL_VARIABLE = "TRACKCAST_LOG_LEVEL"

NOISY_LOGGERS = ("alembic", "aioice", "aiortc")
"""Libraries that log routine steps at INFO (migrations run, ICE candidate pairs checked)."""

_Choice = TypeVar("_Choice", LogFormat, LogLevel)

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")

LEVELS = {
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.INFO: logging.INFO,
    LogLevel.WARNING: logging.WARNING,
    LogLevel.ERROR: logging.ERROR,
}

_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}  # color_message: uvicorn's coloured duplicate
"""What every log record has; anything else on a record came from ``extra=``."""


@dataclass(frozen=True)
class LogSettings:
    """The format and level in force."""

    format: LogFormat = LogFormat.TEXT
    level: LogLevel = LogLevel.WARNING

    @classmethod
    def resolve(
        cls,
        config: LoggingConfig | None = None,
        *,
        flag: LogFormat | None = None,
        default_level: LogLevel = LogLevel.WARNING,
        environ: Mapping[str, str] = os.environ,
    ) -> LogSettings:
        """The command-line flag wins, then the environment, then the config file; without a
        config the level is ``default_level``. A bad environment value raises ValueError."""
        log_format = flag or _from_env(LogFormat, environ.get(FORMAT_VARIABLE))
        level = _from_env(LogLevel, environ.get(LEVEL_VARIABLE))
        if config is not None:
            log_format = log_format or config.format
            level = level or config.level
        return cls(log_format or LogFormat.TEXT, level or default_level)


def log_settings(args: argparse.Namespace, config: LoggingConfig | None = None) -> LogSettings:
    """The settings a ``trackcast`` command runs with: ``--log-format``, the environment, then
    ``config`` (serve, run); without a config, warnings only unless ``--verbose``."""
    flag = getattr(args, "log_format", None)
    verbose = getattr(args, "verbose", False)
    return LogSettings.resolve(
        config,
        flag=LogFormat(flag) if flag else None,
        default_level=LogLevel.INFO if verbose else LogLevel.WARNING,
    )


def _from_env(kind: type[_Choice], value: str | None) -> _Choice | None:
    if not value:
        return None
    try:
        return kind(value.strip().lower())
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        variable = FORMAT_VARIABLE if kind is LogFormat else LEVEL_VARIABLE
        raise ValueError(f"{variable}={value!r}: give one of {choices}") from None


def configure_logging(settings: LogSettings) -> logging.Handler:
    """Route every logger of the process to one stderr handler in ``settings.format``; returns
    that handler."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if settings.format is LogFormat.JSON else TextFormatter())
    level = LEVELS[settings.level]
    root.setLevel(level)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    quiet = logging.NOTSET if level <= logging.DEBUG else logging.WARNING
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)  # warnings.warn() reaches the handler as py.warnings records
    return handler


def report_user_error(message: str, *, prefix: str = "trackcast: error: ") -> None:
    """Tell the user what went wrong, in one line on stderr: a log record when the JSON format is
    in force (a log collector reads every line as JSON), else ``prefix`` and the message, as
    command-line tools do."""
    handler = next((h for h in logging.getLogger().handlers if isinstance(h, StderrHandler)), None)
    if handler is not None and isinstance(handler.formatter, JsonFormatter):
        logging.getLogger("trackcast").error(message)
    else:
        print(f"{prefix}{message}", file=sys.stderr)


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (as :data:`logging.lastResort` does)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def record_time(record: logging.LogRecord) -> str:
    """ISO-8601 local time with milliseconds and the UTC offset."""
    created = datetime.fromtimestamp(record.created).astimezone()
    return created.isoformat(timespec="milliseconds")


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What the caller passed in ``extra=`` (``camera``, ...)."""
    return {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES}


class _OneRecordFormatter(logging.Formatter):
    def exception_text(self, record: logging.LogRecord) -> str | None:
        """The traceback (and stack), as :class:`logging.Formatter` caches it."""
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        parts = [text for text in (record.exc_text, record.stack_info) if text]
        return "\n".join(parts) if parts else None


class TextFormatter(_OneRecordFormatter):
    """``TIME LEVEL LOGGER: MESSAGE``, always one line: line breaks are written as ``\\n``.
    Extra fields are left to the JSON format (the message already says what they hold)."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record_time(record)} {record.levelname} {record.name}: {record.getMessage()}"
        exception = self.exception_text(record)
        if exception:
            line += "\n" + exception
        return line.replace("\r", "\\r").replace("\n", "\\n")


class JsonFormatter(_OneRecordFormatter):
    """One JSON object per record: ``time``, ``level``, ``logger``, ``message``, then
    ``exception`` when there is one, the record's extra fields and, for uvicorn's access log, the
    request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": record_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        exception = self.exception_text(record)
        if exception:
            entry["exception"] = exception
        for key, value in (extra_fields(record) | access_fields(record)).items():
            entry.setdefault(key, value)
        return json.dumps(entry, default=str, ensure_ascii=False)


def access_fields(record: logging.LogRecord) -> dict[str, Any]:
    """uvicorn's access log line as fields (``client``, ``method``, ``path`` with its secrets
    redacted by the handler's filter, ``status``), for log collectors to query by."""
    args = record.args
    if record.name != "uvicorn.access" or not isinstance(args, tuple) or len(args) != 5:
        return {}
    client, method, path, _version, status = args
    return {"client": client, "method": method, "path": path, "status": status}

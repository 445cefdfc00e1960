"""How the process logs: one format for trackcast and every library, and the level.

Standalone on purpose: ``config.models`` embeds :class:`LoggingConfig`, and ``service.logs``
applies it.
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field


class LogFormat(enum.Enum):
    """What one log line looks like (both: one line per record, on stderr)."""

    TEXT = "text"
    """``TIME LEVEL LOGGER: MESSAGE``; line breaks (tracebacks) written as ``\\n``."""
    JSON = "json"
    """One JSON object per line: time, level, logger, message, exception, extra fields."""


class LogLevel(enum.Enum):
    """The lowest level written; below ``debug``, library chatter (alembic, aiortc, aioice,
    httpx) is kept to warnings."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class LoggingConfig(BaseModel):
    """The log format and level of ``trackcast serve`` and ``run``; ``--log-format`` and
    ``TRACKCAST_LOG_FORMAT`` / ``TRACKCAST_LOG_LEVEL`` override them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: LogFormat = Field(
        LogFormat.TEXT,
        description="text: one line 'time level logger: message'; json: one JSON object per "
        "line (time, level, logger, message, exception, extra fields), for log collectors.",
    )
    level: LogLevel = Field(
        LogLevel.INFO,
        description="Lowest level written; 'debug' also shows alembic, aiortc and aioice details.",
    )

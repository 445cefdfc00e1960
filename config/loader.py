"""Read the YAML configuration file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config.errors import ConfigError, describe
from config.models import AppConfig


def load_config(path: Path) -> AppConfig:
    """Parse and validate ``path``; every failure is a :class:`ConfigError` naming file and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "config") -> AppConfig:
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{source}: {problem}{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys to values")
    try:
        return AppConfig.model_validate(data)
    except ValidationError as error:
        raise describe(error, source) from None

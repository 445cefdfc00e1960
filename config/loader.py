"""Read the YAML configuration file, with ``${NAME}`` values taken from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config.errors import ConfigError, describe
from config.models import AppConfig

_REFERENCE = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\{[^}]*\}?)")
"""``$$``, ``${NAME}``, ``${NAME:-default}``; any other ``${...}`` is malformed."""


def load_config(path: Path, *, env: Mapping[str, str] | None = None) -> AppConfig:
    """Parse and validate ``path``; every failure is a :class:`ConfigError` naming file and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    return parse_config(text, source=str(path), env=env)


def parse_config(
    text: str, *, source: str = "config", env: Mapping[str, str] | None = None
) -> AppConfig:
    """Validate ``text``; ``env`` (default: the process environment) fills ``${NAME}`` values."""
    data = read_yaml(text, source=source, env=env)
    try:
        return AppConfig.model_validate(data)
    except ValidationError as error:
        raise describe(error, source) from None


def read_yaml(
    text: str, *, source: str = "config", env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The YAML document as a mapping, environment references replaced, not yet validated."""
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
    result = interpolate(data, os.environ if env is None else env, source=source, key="")
    assert isinstance(result, dict)
    return result


def interpolate(value: Any, env: Mapping[str, str], *, source: str, key: str) -> Any:
    """``value`` with ``${NAME}`` and ``${NAME:-default}`` in every string replaced from ``env``
    and ``$$`` by ``$``; keys are left as they are. ConfigError names the key and the variable."""
    if isinstance(value, dict):
        return {
            name: interpolate(item, env, source=source, key=_join(key, name))
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [
            interpolate(item, env, source=source, key=_join(key, index))
            for index, item in enumerate(value)
        ]
    if not isinstance(value, str) or "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name is None:
            raise ConfigError(
                f"{source}: {key}: malformed environment reference {text!r}: write ${{NAME}} "
                "or ${NAME:-default}, and $$ for a literal $"
            )
        found = env.get(name)
        if found is not None and (found or default is None):
            return found
        if default is not None:
            return default
        raise ConfigError(
            f"{source}: {key}: environment variable {name} is not set "
            f"(set it, or write ${{{name}:-default}})"
        )

    return _REFERENCE.sub(replace, value)


def _join(key: str, part: object) -> str:
    return f"{key}.{part}" if key else str(part)

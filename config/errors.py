"""Configuration errors that point at the offending key."""

from __future__ import annotations

from pydantic import ValidationError


class ConfigError(ValueError):
    """Invalid configuration. ``str(error)`` lists each problem as ``path.to.key: message``."""


def describe(error: ValidationError, source: str) -> ConfigError:
    """One line per problem, each starting with the dotted key path (list items by index)."""
    problems = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check its spelling and indentation)"
        problems.append(f"{path}: {message}")
    return ConfigError(f"{source}: " + "; ".join(problems))

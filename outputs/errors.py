"""Errors of output files. ``str(error)`` is a one-line user message."""

from __future__ import annotations

from pathlib import Path
from typing import IO


class OutputError(Exception):
    """An output cannot be written."""


def open_for_writing(path: Path, mode: str = "w") -> IO[str]:
    """Create missing parent folders and open ``path``, or raise :class:`OutputError` saying why."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open(mode, encoding="utf-8", newline="\n")
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None

"""Errors of output files. ``str(error)`` is a one-line user message."""

from __future__ import annotations

from pathlib import Path
from typing import IO


class OutputError(Exception):
    """An output cannot be written."""


def open_for_writing(path: Path) -> IO[str]:
    """Create missing parent folders and open ``path`` for text, or raise :class:`OutputError`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8", newline="\n")
    except OSError as error:
        raise write_error(path, error) from None


def ensure_writable(path: Path) -> None:
    """Create (or truncate) ``path`` now, so a bad output fails before any work is done."""
    open_for_writing(path).close()


def write_error(path: Path, error: BaseException) -> OutputError:
    """An :class:`OutputError` for ``path`` with the operating system's reason."""
    reason = getattr(error, "strerror", None) or str(error)
    return OutputError(f"cannot write {path}: {reason}")

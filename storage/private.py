"""Files only the service's user may read: the data directory 0700, the database and thumbnails
0600, whatever the umask, and looser modes left by older versions tightened at start.

The database holds camera URLs with their passwords (the service must send them to the camera),
so its mode is what keeps them from other local users; API responses and logs never show them.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents: the levels created here are 0700 too) and make it
    0700. OSError if that is not possible."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
        directory.chmod(DIR_MODE)
    if (path.stat().st_mode & 0o777) != DIR_MODE:
        path.chmod(DIR_MODE)


def private_file(path: Path) -> None:
    """Create ``path`` empty if it is missing, and make it 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)


def private_sqlite(database: Path) -> None:
    """The database file 0600 before SQLite opens it (SQLite gives its WAL and shared-memory
    files the database's mode), and those files tightened if an older version left them open."""
    private_file(database)
    for suffix in SQLITE_SIDE_FILES:
        side = database.with_name(database.name + suffix)
        if side.exists():
            side.chmod(FILE_MODE)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new 0600 file ``path`` (replacing any)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), FILE_MODE)
        file.write(data)

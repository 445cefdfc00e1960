"""A real filesystem that fills up: a tiny tmpfs mounted on a directory (needs root)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` (``4k``, ``64m``) on ``path`` for the block: writes past its
    size fail with a real ENOSPC. Fails the test where it cannot mount (not root)."""
    if os.geteuid() != 0:
        pytest.fail("this test needs root to mount a small tmpfs (a disk that fills up)")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def resize_tmpfs(path: Path, size: str) -> None:
    """Give the tmpfs on ``path`` room again (or take it away)."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)],
                   check=True, capture_output=True)  # fmt: skip

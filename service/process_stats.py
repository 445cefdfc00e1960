"""This process's resident memory and thread counts, read from ``/proc`` (Linux; no dependency).

Elsewhere the memory and OS thread figures are None and not exported.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc/self")


@dataclass(frozen=True, slots=True)
class ProcessStats:
    resident_bytes: int | None
    os_threads: int | None
    """Every thread of the process, native ones (inference, codecs) included."""
    python_threads: int
    """Threads started by Python (``threading``), the main thread included."""
    service_threads: int
    """Threads the service started and owns (named ``trackcast-*``): cameras, detector workers,
    storage, deliveries. Server and thread-pool threads come and go on their own."""


def process_stats() -> ProcessStats:
    return ProcessStats(
        resident_bytes=_resident_bytes(),
        os_threads=_os_threads(),
        python_threads=threading.active_count(),
        service_threads=sum(t.name.startswith("trackcast") for t in threading.enumerate()),
    )


def _resident_bytes() -> int | None:
    try:
        resident_pages = int((_PROC / "statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def _os_threads() -> int | None:
    try:
        lines = (_PROC / "status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return None

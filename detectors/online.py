"""A bounded check for internet access, so a missing download fails in seconds, not minutes."""

from __future__ import annotations

import os
import socket
import threading

PROBE_HOST = "github.com"
"""ultralytics downloads its weights from GitHub releases."""


def downloads_possible(timeout_s: float = 3.0, *, host: str = PROBE_HOST, port: int = 443) -> bool:
    """True if a TCP connection to ``host:port`` (the download host) opens within ``timeout_s``.

    ``TRACKCAST_OFFLINE=1`` (or ultralytics' ``YOLO_OFFLINE=1``) answers False without trying. The
    connection is made on a daemon thread because name resolution ignores socket timeouts.
    """
    for variable in ("TRACKCAST_OFFLINE", "YOLO_OFFLINE"):
        if os.environ.get(variable, "").lower() in ("1", "true", "yes"):
            return False
    reached = threading.Event()

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                reached.set()
        except OSError:
            pass

    threading.Thread(target=attempt, name="trackcast-online-probe", daemon=True).start()
    return reached.wait(timeout_s)

"""The image's HEALTHCHECK: exit 0 when trackcast's /readyz answers 200, else 1 (with the reason).

Standard library only, so it runs in the image's venv without importing trackcast (fast, and a
broken install still reports). ``TRACKCAST_HEALTH_URL`` (default http://127.0.0.1:8080/readyz)
follows a changed ``--port``; a ``tcp://HOST:PORT`` URL checks that something accepts
connections there instead (a Ray node's port: ``trackcast cluster head`` and ``worker``).
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8080/readyz"


def main() -> int:
    url = os.environ.get("TRACKCAST_HEALTH_URL", DEFAULT_URL)
    if url.startswith("tcp://"):
        return accepts(url)
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        print(f"{url}: {error.code} {error.read(500).decode(errors='replace')}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1
    return 0 if status == 200 else 1


def accepts(url: str) -> int:
    """0 when ``tcp://HOST:PORT`` accepts a connection, else 1."""
    parsed = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parsed.hostname or "", parsed.port or 0), timeout=5):
            return 0
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

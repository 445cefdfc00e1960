"""The image's HEALTHCHECK: exit 0 when trackcast's /readyz answers 200, else 1 (with the reason).

Standard library only, so it runs in the image's venv without importing trackcast (fast, and a
broken install still reports). ``TRACKCAST_HEALTH_URL`` (default http://127.0.0.1:8080/readyz)
follows a changed ``--port``.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8080/readyz"


def main() -> int:
    url = os.environ.get("TRACKCAST_HEALTH_URL", DEFAULT_URL)
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


if __name__ == "__main__":
    sys.exit(main())

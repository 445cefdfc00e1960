"""The ``sources`` section of test services: their own media and the loopback test servers.

Services refuse file cameras outside ``sources.media_roots`` and cameras on loopback addresses
unless ``sources.private_networks`` is on; tests serve generated clips from their temp dirs and
run their RTSP and HTTP servers on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

from config import SourcesConfig


def local_sources(*media_roots: Path | str) -> SourcesConfig:
    """Files under ``media_roots`` and cameras on any address."""
    return SourcesConfig(media_roots=tuple(str(r) for r in media_roots), private_networks=True)


def local_sources_yaml(*media_roots: Path | str) -> str:
    """The same as a line of a YAML config."""
    return f"sources: {json.dumps(local_sources(*media_roots).model_dump())}\n"


UNRESTRICTED = local_sources("/")
"""Every file and address: for tests of the runtime itself, not of what it may open."""

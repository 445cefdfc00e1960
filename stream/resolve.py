"""Name resolution failures, told apart from other connection failures.

FFmpeg reports a host name that does not resolve as "Input/output error", like a refused
connection; the user needs to know it is the name (a typo, no DNS) and not the camera.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def unresolved_host(url: str) -> str | None:
    """The host name of ``url`` if it does not resolve now; None for an address, a URL without
    a host, or a name that resolves (the failure was something else)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return host
    except (OSError, UnicodeError):
        return None
    return None


def cannot_resolve(display: str, host: str) -> str:
    """The one-line message for a source whose host name does not resolve."""
    return f"cannot connect to {display}: cannot resolve host {host}"

"""Open mode stays local: without tokens, only requests for a local name, from a local page.

With ``auth.open: true`` nothing else stands between a web page and the API, and any page the
operator's browser opens can reach ``127.0.0.1``: through DNS rebinding (the page's own name now
points at 127.0.0.1, so the browser sends ``Host: evil.example``) or a cross-site WebSocket (the
browser sends ``Origin: https://evil.example``). So in open mode every HTTP and WebSocket request
must name a loopback host (``localhost``, ``127.0.0.1``, ``[::1]``, any port) or one of
``auth.hosts``, and a browser's ``Origin``, when sent, must be the API's own (same scheme, host and
port) or one of ``auth.origins``. Anything else is refused with 403 before it reaches a route.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from config import AuthConfig

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HTTP_SCHEMES = {"http": "http", "ws": "http", "https": "https", "wss": "https"}


class LocalOnly:
    """ASGI middleware enforcing the rules above for HTTP and WebSocket scopes."""

    def __init__(self, app: ASGIApp, config: AuthConfig) -> None:
        self.app = app
        self.hosts = LOOPBACK_HOSTS | {_host_name(h) for h in config.hosts}
        self.origins = frozenset(filter(None, (_origin(o) for o in config.origins)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            refusal = self.refusal(scope)
            if refusal is not None:
                await self._refuse(scope, receive, send, refusal)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> str | None:
        """Why the request is refused, or None to let it in."""
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if _host_name(host) not in self.hosts:
            return (
                "open mode (auth.open) answers only requests for localhost, 127.0.0.1 or [::1] "
                "and the names in auth.hosts"
            )
        origin = headers.get("origin")
        if origin is None:
            return None  # not a browser's cross-origin call: curl, scripts, same-origin GETs
        scheme = _HTTP_SCHEMES.get(scope.get("scheme", "http"), "http")
        sent = _origin(origin)
        if sent is not None and (sent in self.origins or sent == _origin(f"{scheme}://{host}")):
            return None
        return "open mode (auth.open) answers only pages of its own origin and auth.origins"

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": reason})
            return
        response = PlainTextResponse(reason, status_code=403)
        await response(scope, receive, send)


def _host_name(host: str) -> str:
    """``Host`` header value (or configured name) without its port, lower case, no brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    name, _, port = host.rpartition(":")
    if name and port.isdigit():
        return name
    return host


def _origin(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, ports made explicit; None when it is not one (``null``,
    a malformed value), which then matches nothing."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme]

"""Per-route HTTP metrics: a request counter and a latency histogram in the service's registry.

Requests are labelled by route *template* (``/api/cameras/{camera_id}``), never by raw path, and
by a method from a fixed set, so a client cannot grow the series without bound: a path no route
takes is ``unmatched``. The latency runs to the response's headers, so a live stream (MJPEG,
SSE) counts when it starts and its body passes through untouched, never buffered. WebSockets and
lifespan messages pass uncounted (live clients show in ``trackcast_feed_clients``).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.metrics import ServiceMetrics

UNMATCHED = "unmatched"
"""The route label of a request no route took: an unknown path (404), or one a middleware refused
before routing (open mode's 403, the body limit's 413)."""

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"


class HttpMetricsMiddleware:
    """Outermost middleware: it also counts what other middlewares refuse (403, 413)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start" and status is None:
                status = int(message["status"])
                self._observe(scope, status, time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            if status is None:  # it raised (or ended) before answering: the server sends a 500
                self._observe(scope, 500, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else OTHER_METHOD
        self.metrics.observe_http(method, route_template(scope), status, seconds)


def route_template(scope: Scope) -> str:
    """The path template of the route that took the request, else :data:`UNMATCHED`."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED

"""Refuse request bodies over a size limit with 413, before they are read into memory.

A declared ``Content-Length`` over the limit is refused before the app runs; a body without one
(chunked) is counted as it arrives and refused once it passes the limit, so no more than the limit
is ever held. WebSockets and lifespan messages pass untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
"""1 MiB: a camera with 100 lines and 100 zones of 100 points is about 300 kB; an SDP offer a few
kB."""


class BodyTooLargeError(Exception):
    """The request body passed the limit while the app read it."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        await _LimitedRequest(self.app, self.max_bytes, receive, send).run(scope)


class _LimitedRequest:
    """One request: counts body bytes; past the limit, the app's own answer becomes a 413."""

    def __init__(self, app: ASGIApp, max_bytes: int, receive: Receive, send: Send) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._receive = receive
        self._send = send
        self.received = 0
        self.exceeded = False
        self.started = False

    async def run(self, scope: Scope) -> None:
        try:
            await self.app(scope, self.receive, self.send)
        except BodyTooLargeError:
            pass
        except Exception:
            if not self.exceeded:
                raise
        if self.exceeded and not self.started:
            self.started = True
            await _too_large(self._send, self.max_bytes)

    async def receive(self) -> Message:
        if self.exceeded:
            raise BodyTooLargeError
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                self.exceeded = True
                raise BodyTooLargeError
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded:
            return  # whatever the app answers to a cut-off body, the client gets the 413
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _too_large(send: Send, max_bytes: int) -> None:
    body = b'{"detail":"request body larger than %d bytes"}' % max_bytes
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""A real HTTP webhook receiver on 127.0.0.1 whose replies a test scripts per request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass(frozen=True)
class Reply:
    """What the receiver does with one request: answer ``status`` (with ``headers``) after
    ``delay_s``, or close the connection without answering when ``drop`` is set."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay_s: float = 0.0


Policy = Callable[[str, int], Reply]
"""(Idempotency-Key, how many times that key has been seen including this time) -> Reply."""


def accept_all(key: str, seen: int) -> Reply:
    return Reply()


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    reply: Reply
    at: float
    """time.monotonic() when the request arrived."""

    @property
    def key(self) -> str:
        return self.headers.get("idempotency-key", "")

    @property
    def accepted(self) -> bool:
        return not self.reply.drop and 200 <= self.reply.status < 300


class WebhookReceiver:
    """``ThreadingHTTPServer`` on an ephemeral port, serving on its own thread until closed."""

    def __init__(self, policy: Policy = accept_all) -> None:
        self.policy = policy
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self._received: list[Received] = []
        self._release = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_class(self))
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/hook", userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}{path}"

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def accepted(self) -> list[Received]:
        return [request for request in self.received() if request.accepted]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release.set()  # ends any delayed reply now
        self._server.shutdown()
        self._server.server_close()  # joins the request threads
        self._thread.join(5)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Record one request and reply as the policy says (runs on a request thread)."""
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        key = headers.get("idempotency-key", "")
        with self._lock:
            seen = self._seen[key] = self._seen.get(key, 0) + 1
        reply = self.policy(key, seen)
        with self._lock:
            self._received.append(Received(handler.path, headers, body, reply, time.monotonic()))
        if reply.delay_s:
            self._release.wait(reply.delay_s)
        if reply.drop:
            handler.close_connection = True
            return
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except OSError:  # the client gave up (timeout)
            handler.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins request threads: no socket outlives a test


def _handler_class(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver.handle(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler

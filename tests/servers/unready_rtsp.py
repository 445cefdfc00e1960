"""An RTSP server that answers OPTIONS but has no stream: every DESCRIBE gets 503.

It stands for a camera or NVR that is up but cannot stream yet (or keeps failing): reachability
probes succeed while every full open fails. It records each request's method and user agent.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    user_agent: str
    at: float
    """Monotonic seconds."""


class UnreadyRtspServer:
    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def methods(self, method: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method]

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        buffer = b""
        with connection:
            try:
                while True:
                    while b"\r\n\r\n" not in buffer:
                        chunk = connection.recv(4096)
                        if not chunk:
                            return
                        buffer += chunk
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    connection.sendall(self._answer(head.decode("latin-1")))
            except OSError:
                return

    def _answer(self, head: str) -> bytes:
        lines = head.split("\r\n")
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in lines[1:])
        )
        method = lines[0].split(" ", 1)[0]
        with self._lock:
            self.requests.append(Request(method, headers.get("user-agent", ""), time.monotonic()))
        cseq = headers.get("cseq", "0")
        if method == "OPTIONS":
            return (
                f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n"
                "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n"
            ).encode()
        return f"RTSP/1.0 503 Service Unavailable\r\nCSeq: {cseq}\r\n\r\n".encode()

    def __enter__(self) -> Self:
        self._accepter.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._accepter.join(5)
        for thread in self._threads:
            thread.join(12)

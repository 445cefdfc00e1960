"""An internal HTTP service a camera should never reach: records every request it gets."""

from __future__ import annotations

import http.server
import threading
from types import TracebackType
from typing import Self

REASON = "Internal-Admin-Console-v7"
"""The reason phrase and body of every answer: it must never show up in a camera's error."""


class RecordingHttpServer:
    """Listens on 127.0.0.1 on its own thread; answers every GET with ``status`` and
    :data:`REASON`, and keeps each request's path in :attr:`requests`."""

    def __init__(self, status: int = 401) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append(self.path)
                body = REASON.encode()
                self.send_response(status, REASON)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="test-http-recorder", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

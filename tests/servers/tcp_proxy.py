"""A loopback TCP proxy that makes a network worse: delay, jitter and stalls, for RTSP over TCP."""

from __future__ import annotations

import asyncio
import random
import threading
from types import TracebackType
from typing import Self


class TcpProxy:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<upstream_port> on its own thread and event loop.

    Every chunk waits ``delay_s`` ± ``jitter_s`` (order kept). While :attr:`stalled` is set,
    nothing is forwarded in either direction but the connections stay open, like a frozen host.
    """

    def __init__(self, upstream_port: int, *, delay_s: float = 0.0, jitter_s: float = 0.0) -> None:
        self.upstream_port = upstream_port
        self.delay_s = delay_s
        self.jitter_s = jitter_s
        self.stalled = threading.Event()
        self.port = 0
        self._rng = random.Random(7)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("proxy did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                delay = self.delay_s + self._rng.uniform(-self.jitter_s, self.jitter_s)
                if delay > 0:
                    await asyncio.sleep(delay)
                while self.stalled.is_set():
                    await asyncio.sleep(0.05)
                target.write(data)
                await target.drain()
        finally:
            target.close()

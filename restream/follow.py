"""Following one camera's tracked frames from the event loop, with a thread for the heavy work.

Both live outputs (the WHEP video feed and the MJPEG relay) subscribe to the camera through a
latest-frame slot (when they are slower than the camera, frames are skipped, never queued), wake
on each new frame, encode it on their own thread and hand the result on. This is that loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, Protocol, TypeVar

from outputs import FrameResult
from stream.latest import LatestSlot

T = TypeVar("T")

log = logging.getLogger(__name__)


class FrameSource(Protocol):
    """What a follower reads: :class:`runtime.cameras.CameraRuntime` is one."""

    def subscribe(
        self, camera_id: str, on_put: Callable[[], None] | None = None
    ) -> LatestSlot[FrameResult]: ...

    def unsubscribe(self, camera_id: str, slot: LatestSlot[FrameResult]) -> None: ...


class CameraFollower:
    """Calls ``handle`` with each newest frame of a camera, one at a time, until stopped or the
    camera stops; then ``on_end``. ``handle`` runs blocking work through :meth:`on_thread`."""

    def __init__(
        self,
        source: FrameSource,
        camera_id: str,
        name: str,
        handle: Callable[[FrameResult], Awaitable[None]],
        on_end: Callable[[], Awaitable[None]],
    ) -> None:
        self.camera_id = camera_id
        self._source = source
        self._name = name
        self._handle = handle
        self._on_end = on_end
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._slot: LatestSlot[FrameResult] | None = None
        self._wake = asyncio.Event()
        self._ended = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and not self._ended

    def start(self) -> None:
        """Subscribe to the camera; KeyError if it is not running."""
        loop = asyncio.get_running_loop()

        def on_put() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed
                loop.call_soon_threadsafe(self._wake.set)

        self._slot = self._source.subscribe(self.camera_id, on_put)
        self._executor = ThreadPoolExecutor(
            1, thread_name_prefix=f"trackcast-{self._name}-{self.camera_id}"
        )
        self._task = loop.create_task(self._run(self._slot), name=f"{self._name}-{self.camera_id}")

    async def on_thread(self, function: Callable[..., T], *args: object) -> T:
        """``function(*args)`` on the follower's own thread."""
        assert self._executor is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def stop(self) -> None:
        """End the loop (``on_end`` runs) and the thread."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._finish()  # if the task was cancelled before it ever ran
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)

    async def _run(self, slot: LatestSlot[FrameResult]) -> None:
        try:
            while not slot.closed:
                await self._wake.wait()
                self._wake.clear()
                result = slot.take_nowait()
                if result is not None:
                    await self._handle(result)
            log.info("camera %s: %s output ended with the camera", self.camera_id, self._name)
        except Exception:  # its viewers see the end; the reason goes to the log
            log.exception("camera %s: %s output failed", self.camera_id, self._name)
        finally:
            await self._finish()

    async def _finish(self) -> None:
        """Unsubscribe and call ``on_end``, once."""
        if self._ended:
            return
        self._ended = True
        if self._slot is not None:
            self._source.unsubscribe(self.camera_id, self._slot)
        await self._on_end()


class Startable(Protocol):
    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...


K = TypeVar("K")
F = TypeVar("F", bound=Startable)


class RunningByKey(Generic[K, F]):
    """One running ``F`` per key (a camera and an overlay choice), made by ``make`` on first use;
    one whose camera stopped is replaced on the next use."""

    def __init__(self, make: Callable[[K], F]) -> None:
        self._make = make
        self._items: dict[K, F] = {}

    def __len__(self) -> int:
        return len(self._items)

    def values(self) -> list[F]:
        return list(self._items.values())

    async def get(self, key: K) -> F:
        """The running item for ``key``, started if need be (KeyError: camera not running)."""
        item = self._items.get(key)
        if item is not None and not item.running:  # its camera stopped (and maybe restarted)
            await self.drop(key, item)
            item = None
        if item is None:
            item = self._make(key)
            item.start()
            self._items[key] = item
        return item

    async def drop(self, key: K, item: F) -> None:
        """Stop ``item``, and forget it if it is still the one for ``key``."""
        if self._items.get(key) is item:
            del self._items[key]
        await item.stop()

    async def close(self) -> None:
        for key, item in list(self._items.items()):
            await self.drop(key, item)

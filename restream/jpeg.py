"""The MJPEG fallback's source: per camera, the newest frame as a JPEG with overlays, encoded
once for every viewer. A slow viewer simply gets a newer JPEG next time: it skips frames."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor

import cv2

from outputs import FrameResult
from outputs.overlay import TrackOverlay
from restream.feed import FrameSource
from stream.latest import LatestSlot

log = logging.getLogger(__name__)

JPEG_QUALITY = 80


class JpegRelay:
    """While it has viewers: follows the camera, encodes each new frame to JPEG on its own thread
    and wakes every viewer waiting in :meth:`next`."""

    def __init__(self, source: FrameSource, camera_id: str, *, overlay: bool = True) -> None:
        self.camera_id = camera_id
        self._source = source
        self._overlay = TrackOverlay() if overlay else None
        self._changed = asyncio.Condition()
        self._jpeg: bytes | None = None
        self._sequence = 0
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.viewers = 0
        self.frames_encoded = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """KeyError if the camera is not running."""
        loop = asyncio.get_running_loop()

        def on_put() -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake.set)

        slot = self._source.subscribe(self.camera_id, on_put)
        self._executor = ThreadPoolExecutor(
            1, thread_name_prefix=f"trackcast-jpeg-{self.camera_id}"
        )
        self._task = loop.create_task(self._run(slot), name=f"jpeg-{self.camera_id}")

    async def next(self, after: int) -> tuple[int, bytes] | None:
        """The first JPEG newer than sequence number ``after``; None once the relay stopped."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._sequence > after or not self.running)
            if self._sequence > after and self._jpeg is not None:
                return self._sequence, self._jpeg
            return None

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        async with self._changed:
            self._changed.notify_all()
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)

    async def _run(self, slot: LatestSlot[FrameResult]) -> None:
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        try:
            while not slot.closed:
                await self._wake.wait()
                self._wake.clear()
                result = slot.take_nowait()
                if result is None:
                    continue
                jpeg = await loop.run_in_executor(self._executor, self._encode, result)
                if jpeg is None:
                    continue
                async with self._changed:
                    self._jpeg = jpeg
                    self._sequence += 1
                    self._changed.notify_all()
        finally:
            self._source.unsubscribe(self.camera_id, slot)
            self._task = None
            async with self._changed:
                self._changed.notify_all()

    def _encode(self, result: FrameResult) -> bytes | None:
        image = self._overlay.draw(result) if self._overlay is not None else result.image
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            log.error("camera %s: JPEG encoding failed", self.camera_id)
            return None
        self.frames_encoded += 1
        return jpeg.tobytes()


class JpegRelays:
    """One relay per camera (and overlay choice), started by its first viewer, stopped with its
    last."""

    def __init__(self, source: FrameSource) -> None:
        self._source = source
        self._relays: dict[tuple[str, bool], JpegRelay] = {}

    def __len__(self) -> int:
        return len(self._relays)

    async def join(self, camera_id: str, overlay: bool = True) -> JpegRelay:
        """A running relay for the camera, counted as one more viewer; KeyError if the camera is
        not running. Pair with :meth:`leave`."""
        key = (camera_id, overlay)
        relay = self._relays.get(key)
        if relay is not None and not relay.running:
            await self._drop(key, relay)
            relay = None
        if relay is None:
            relay = JpegRelay(self._source, camera_id, overlay=overlay)
            relay.start()
            self._relays[key] = relay
        relay.viewers += 1
        return relay

    async def leave(self, relay: JpegRelay) -> None:
        relay.viewers -= 1
        if relay.viewers <= 0:
            await self._drop((relay.camera_id, relay._overlay is not None), relay)

    async def close(self) -> None:
        for key, relay in list(self._relays.items()):
            await self._drop(key, relay)

    async def _drop(self, key: tuple[str, bool], relay: JpegRelay) -> None:
        if self._relays.get(key) is relay:
            del self._relays[key]
        await relay.stop()

"""The MJPEG fallback's source: per camera, the newest frame as a JPEG with overlays, encoded
once for every viewer. A slow viewer simply gets a newer JPEG next time: it skips frames."""

from __future__ import annotations

import asyncio
import logging

import cv2

from outputs import FrameResult
from outputs.overlay import TrackOverlay
from restream.follow import CameraFollower, FrameSource, RunningByKey

log = logging.getLogger(__name__)

JPEG_QUALITY = 80


class JpegRelay:
    """While it has viewers: follows the camera, encodes each new frame to JPEG on its own thread
    and wakes every viewer waiting in :meth:`next`."""

    def __init__(self, source: FrameSource, camera_id: str, *, overlay: bool = True) -> None:
        self.camera_id = camera_id
        self.overlay = overlay
        self._follower = CameraFollower(source, camera_id, "jpeg", self._handle, self._notify)
        self._overlay = TrackOverlay() if overlay else None
        self._changed = asyncio.Condition()
        self._jpeg: bytes | None = None
        self._sequence = 0
        self.viewers = 0
        self.frames_encoded = 0

    @property
    def running(self) -> bool:
        return self._follower.running

    def start(self) -> None:
        """KeyError if the camera is not running."""
        self._follower.start()

    async def next(self, after: int) -> tuple[int, bytes] | None:
        """The first JPEG newer than sequence number ``after``; None once the relay stopped."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._sequence > after or not self.running)
            if self._sequence > after and self._jpeg is not None:
                return self._sequence, self._jpeg
            return None

    async def stop(self) -> None:
        await self._follower.stop()

    async def _handle(self, result: FrameResult) -> None:
        jpeg = await self._follower.on_thread(self._encode, result)
        if jpeg is not None:
            async with self._changed:
                self._jpeg = jpeg
                self._sequence += 1
                self._changed.notify_all()

    async def _notify(self) -> None:
        """Wake the viewers: the relay stopped."""
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
        self._relays = RunningByKey[tuple[str, bool], JpegRelay](
            lambda key: JpegRelay(source, key[0], overlay=key[1])
        )

    def __len__(self) -> int:
        return len(self._relays)

    async def join(self, camera_id: str, overlay: bool = True) -> JpegRelay:
        """A running relay for the camera, counted as one more viewer; KeyError if the camera is
        not running. Pair with :meth:`leave`."""
        relay = await self._relays.get((camera_id, overlay))
        relay.viewers += 1
        return relay

    async def leave(self, relay: JpegRelay) -> None:
        relay.viewers -= 1
        if relay.viewers <= 0:
            await self._relays.drop((relay.camera_id, relay.overlay), relay)

    async def close(self) -> None:
        await self._relays.close()

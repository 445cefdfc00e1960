"""One camera's live video, encoded once for all of its viewers.

The feed follows the camera's newest tracked frames (a latest-frame slot: when encoding is slower
than the camera, frames are skipped, never queued), encodes each on the feed's own thread, and
hands the result to every subscribed :class:`ViewerTrack` without waiting for any of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from outputs import FrameResult
from outputs.overlay import TrackOverlay
from restream.encoder import RTP_CLOCK, H264Encoder
from stream.latest import LatestSlot

log = logging.getLogger(__name__)


class FrameSource(Protocol):
    """What a feed reads: :class:`runtime.cameras.CameraRuntime` is one."""

    def subscribe(
        self, camera_id: str, on_put: Callable[[], None] | None = None
    ) -> LatestSlot[FrameResult]: ...

    def unsubscribe(self, camera_id: str, slot: LatestSlot[FrameResult]) -> None: ...


class FrameSubscriber(Protocol):
    def push(self, frame: EncodedFrame) -> None:
        """Take ``frame`` at once (never block the feed)."""

    def end(self) -> None:
        """The feed has stopped: there will be no more frames."""


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    """One encoded frame and the tracks that belong to it.

    Attributes:
        data: H.264 access unit (Annex B).
        pts: When the frame was captured, in 1/90000 s from the feed's first frame: the RTP
            timestamp of the frame is this plus the RTP stream's random origin.
        keyframe: A viewer may start decoding here.
        message: The frame's tracks for the data channel (``ts`` is ``pts``).
    """

    data: bytes
    pts: int
    keyframe: bool
    message: dict[str, Any]


def frame_message(result: FrameResult, pts: int, captured_at: float) -> dict[str, Any]:
    height, width = result.image.shape[:2]
    return {
        "type": "frame",
        "ts": pts,
        "index": result.index,
        "capture": captured_at,
        "sent": time.time(),
        "width": width,
        "height": height,
        "tracks": list(result.objects()),
    }


class CameraFeed:
    """Encodes ``camera_id``'s frames (with tracks burned in if ``burn_overlay``) while started."""

    def __init__(self, source: FrameSource, camera_id: str, *, burn_overlay: bool = False) -> None:
        self.camera_id = camera_id
        self.burn_overlay = burn_overlay
        self._source = source
        self._subscribers: list[FrameSubscriber] = []
        self._encoder = H264Encoder()
        self._overlay = TrackOverlay() if burn_overlay else None
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._slot: LatestSlot[FrameResult] | None = None
        self._wake = asyncio.Event()
        self._keyframe = True
        self._origin: float | None = None
        self._last_pts = -1
        self.frames_encoded = 0
        self.encode_errors = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Subscribe to the camera; KeyError if it is not running."""
        loop = asyncio.get_running_loop()

        def on_put() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed
                loop.call_soon_threadsafe(self._wake.set)

        self._slot = self._source.subscribe(self.camera_id, on_put)
        self._executor = ThreadPoolExecutor(
            1, thread_name_prefix=f"trackcast-encode-{self.camera_id}"
        )
        self._task = loop.create_task(self._run(), name=f"feed-{self.camera_id}")

    def add(self, subscriber: FrameSubscriber) -> None:
        self._subscribers.append(subscriber)
        self._keyframe = True  # a new viewer can start at the next frame

    def remove(self, subscriber: FrameSubscriber) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def request_keyframe(self) -> None:
        self._keyframe = True

    async def stop(self) -> None:
        """End the feed and its thread; subscribers are told the feed ended."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)
        self._encoder.close()

    async def _run(self) -> None:
        slot = self._slot
        assert slot is not None and self._executor is not None
        loop = asyncio.get_running_loop()
        try:
            while not slot.closed:
                await self._wake.wait()
                self._wake.clear()
                result = slot.take_nowait()
                if result is None:
                    continue
                keyframe, self._keyframe = self._keyframe, False
                frame = await loop.run_in_executor(self._executor, self._encode, result, keyframe)
                if frame is None:
                    continue
                for subscriber in list(self._subscribers):
                    subscriber.push(frame)
        finally:
            self._source.unsubscribe(self.camera_id, slot)
            for subscriber in list(self._subscribers):
                subscriber.end()

    def _encode(self, result: FrameResult, keyframe: bool) -> EncodedFrame | None:
        """On the feed's thread."""
        captured_at = result.received_at or time.time()
        if self._origin is None:
            self._origin = captured_at
        pts = max(round((captured_at - self._origin) * RTP_CLOCK), self._last_pts + 1)
        self._last_pts = pts
        image = self._overlay.draw(result) if self._overlay is not None else result.image
        try:
            packets = self._encoder.encode(image, pts, keyframe)
        except Exception:
            self.encode_errors += 1
            self._keyframe = True
            log.exception("camera %s: encoding frame %d failed", self.camera_id, result.index)
            return None
        if not packets:
            return None
        self.frames_encoded += 1
        return EncodedFrame(
            data=b"".join(bytes(p) for p in packets),
            pts=pts,
            keyframe=any(p.is_keyframe for p in packets),
            message=frame_message(result, pts, captured_at),
        )

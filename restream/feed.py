"""One camera's live video, encoded once for all of its viewers.

The feed follows the camera's newest tracked frames (a latest-frame slot: when encoding is slower
than the camera, frames are skipped, never queued), encodes each on the feed's own thread, and
hands the result to every subscribed :class:`ViewerTrack` without waiting for any of them.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from outputs import FrameResult
from outputs.overlay import TrackOverlay
from restream.encoder import RTP_CLOCK, H264Encoder
from restream.follow import CameraFollower, FrameSource

log = logging.getLogger(__name__)


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
        self._follower = CameraFollower(source, camera_id, "encode", self._handle, self._ended)
        self._subscribers: list[FrameSubscriber] = []
        self._encoder = H264Encoder()
        self._overlay = TrackOverlay() if burn_overlay else None
        self._keyframe = True
        self._origin: float | None = None
        self._last_pts = -1
        self.frames_encoded = 0
        self.encode_errors = 0

    @property
    def running(self) -> bool:
        return self._follower.running

    def start(self) -> None:
        """Subscribe to the camera; KeyError if it is not running."""
        self._follower.start()

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
        await self._follower.stop()
        self._encoder.close()

    async def _handle(self, result: FrameResult) -> None:
        keyframe, self._keyframe = self._keyframe, False
        frame = await self._follower.on_thread(self._encode, result, keyframe)
        if frame is not None:
            for subscriber in list(self._subscribers):
                subscriber.push(frame)

    async def _ended(self) -> None:
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

"""A live camera whose frames are pushed in by a publisher (a WHIP session) instead of decoded.

It is a :class:`LiveCamera` for everyone downstream: the same latest-frame slot, sequencing and
health. ``connecting`` until a publisher sends its first frame, ``streaming`` while frames come,
``stalled`` once none came for ``stall_timeout_s`` (shown by :meth:`health`, as for any camera),
``connecting`` again when the publisher leaves, ``stopped`` after :meth:`stop`. One publisher at a
time. No thread: :meth:`push` runs on the publisher's side and only stores the frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from stream.frames import BgrImage, VideoFrame
from stream.health import CameraState
from stream.live import LiveCamera, LiveSettings
from stream.packet_ring import PacketRing

PUSH_SCHEME = "whip"
"""A camera whose ``url`` is ``whip:`` receives its video from a WHIP publisher."""


def is_push_url(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() == PUSH_SCHEME


class PublisherBusyError(RuntimeError):
    """The camera already has a publisher, or has stopped."""


class PushSource(LiveCamera):
    """Frames from :meth:`push` go to :attr:`frames`; :meth:`connect` and :meth:`disconnect`
    bracket one publisher."""

    def __init__(
        self,
        camera_id: str,
        url: str,
        settings: LiveSettings | None = None,
        *,
        on_frame: Callable[[], None] | None = None,
        ring: PacketRing | None = None,
    ) -> None:
        """``ring``: held for its readers (clips, recording) and filled by the clip encoder from
        the published frames; a pushed camera has no encoded packets of its own."""
        super().__init__(camera_id, url, settings, on_frame=on_frame, ring=ring, remux=False)
        self._publisher: str | None = None
        self._publishers_seen = 0
        self._started = False

    def start(self) -> None:
        """Wait for a publisher (no thread to start)."""
        self._started = True

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Refuse further frames and publishers; the current publisher's next push fails."""
        self._stop.set()
        self.frames.close()
        with self._lock:
            self._publisher = None
        self._set_state(CameraState.STOPPED)
        return True

    @property
    def running(self) -> bool:
        return self._started and not self.stopping

    @property
    def publisher(self) -> str | None:
        return self._publisher

    def connect(self, publisher_id: str) -> None:
        """Make ``publisher_id`` the camera's publisher; PublisherBusyError if it has one."""
        with self._lock:
            if self.stopping:
                raise PublisherBusyError(f"camera {self.camera_id} has stopped")
            if self._publisher is not None:
                raise PublisherBusyError(
                    f"camera {self.camera_id} already has a publisher; DELETE its session first"
                )
            self._publisher = publisher_id
            if self._publishers_seen:
                self._reconnects += 1
            self._publishers_seen += 1

    def disconnect(self, publisher_id: str, reason: str = "the publisher left") -> None:
        """``publisher_id`` is gone: back to ``connecting`` (waiting for the next one)."""
        with self._lock:
            if self._publisher != publisher_id:
                return
            self._publisher = None
            if not self.stopping:
                self._transition(CameraState.CONNECTING, reason)

    def push(self, publisher_id: str, image: BgrImage, pts: float | None) -> bool:
        """Store a decoded frame (BGR) as the newest; False if ``publisher_id`` is no longer the
        camera's publisher (it was stopped, or the session was replaced)."""
        if self._publisher != publisher_id or self.stopping:
            return False
        self._deliver(VideoFrame(image, 0, pts, time.time(), self.camera_id))
        return True

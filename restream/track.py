"""A viewer's video track: the feed's encoded frames, bounded, for one aiortc sender."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import av
from aiortc import RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from restream.encoder import TIME_BASE
from restream.feed import EncodedFrame

RTP_WRAP = 2**32


class ViewerTrack(MediaStreamTrack):
    """Queues at most ``max_pending`` frames. A viewer that falls that far behind loses its queue
    and waits for the next keyframe (which it asks the feed for): it skips ahead to live, costing
    nobody else anything. Every dropped frame is counted in :attr:`dropped`."""

    kind = "video"

    def __init__(
        self,
        *,
        request_keyframe: Callable[[], None],
        on_frame: Callable[[EncodedFrame], None] | None = None,
        on_clock: Callable[[int], None] | None = None,
        max_pending: int = 8,
    ) -> None:
        """``on_frame`` runs just before each frame goes to the sender (send its tracks then);
        ``on_clock(origin)`` once the RTP timestamp origin is known: a frame's RTP timestamp is
        ``(origin + frame.pts) % 2**32``."""
        super().__init__()
        self._request_keyframe = request_keyframe
        self._on_frame = on_frame
        self._on_clock = on_clock
        self._max_pending = max_pending
        self._pending: deque[EncodedFrame] = deque()
        self._wake = asyncio.Event()
        self._want_keyframe = True
        self._ended = False
        self._sender: RTCRtpSender | None = None
        self._previous_pts: int | None = None
        self.rtp_origin: int | None = None
        self.sent = 0
        self.dropped = 0

    def attach(self, sender: RTCRtpSender) -> None:
        """The sender that sends this track: its RTP clock origin is read from it."""
        self._sender = sender

    def push(self, frame: EncodedFrame) -> None:
        if self._ended or self.readyState != "live":
            return
        if self._want_keyframe and not frame.keyframe:
            self.dropped += 1
            return
        if len(self._pending) >= self._max_pending:
            self.dropped += len(self._pending) + 1
            self._pending.clear()
            self._want_keyframe = True
            self._request_keyframe()
            return
        self._want_keyframe = False
        self._pending.append(frame)
        self._wake.set()

    def end(self) -> None:
        self._ended = True
        self._wake.set()

    async def recv(self) -> av.Packet[Any]:
        while not self._pending:
            if self._ended or self.readyState != "live":
                self.stop()
                raise MediaStreamError
            await self._wake.wait()
            self._wake.clear()
        frame = self._pending.popleft()
        self._learn_origin()
        if self._on_frame is not None:
            self._on_frame(frame)
        self._previous_pts = frame.pts
        self.sent += 1
        packet = av.Packet(frame.data)
        packet.pts = frame.pts
        packet.time_base = TIME_BASE
        return packet

    def _learn_origin(self) -> None:
        """aiortc adds a random origin to each frame's timestamp and keeps the last RTP timestamp
        it sent; once one frame has gone out, origin = that timestamp - that frame's pts."""
        if self.rtp_origin is not None or self._previous_pts is None or self._sender is None:
            return
        sent: int | None = getattr(self._sender, "_RTCRtpSender__rtp_timestamp", None)
        if not sent:
            return
        self.rtp_origin = (sent - self._previous_pts) % RTP_WRAP
        if self._on_clock is not None:
            self._on_clock(self.rtp_origin)

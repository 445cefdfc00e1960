"""One WHEP viewer: its peer connection, its video track and its tracks data channel."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiortc import RTCDataChannel, RTCPeerConnection

from restream.encoder import RTP_CLOCK
from restream.feed import CameraFeed, EncodedFrame
from restream.track import ViewerTrack

log = logging.getLogger(__name__)

MAX_CHANNEL_BUFFER = 256 * 1024
"""Track messages are skipped (and counted) while this much is still unsent to the viewer."""


class WhepSession:
    """Sends ``feed``'s frames to one viewer; tracks go on the data channel the viewer opens
    (any label), one JSON message per frame, sent just before the frame itself."""

    def __init__(self, session_id: str, feed: CameraFeed, pc: RTCPeerConnection) -> None:
        self.id = session_id
        self.camera_id = feed.camera_id
        self.feed = feed
        self.pc = pc
        self.track = ViewerTrack(
            request_keyframe=feed.request_keyframe,
            on_frame=self._send_tracks,
            on_clock=self._send_clock,
        )
        self.channel: RTCDataChannel | None = None
        self.messages_sent = 0
        self.messages_dropped = 0
        pc.on("datachannel", self._channel_opened)

    def _channel_opened(self, channel: RTCDataChannel) -> None:
        self.channel = channel
        if self.track.rtp_origin is not None:
            self._send_clock(self.track.rtp_origin)

    def _send_clock(self, origin: int) -> None:
        self._send({"type": "clock", "rtp_origin": origin, "clock_rate": RTP_CLOCK})

    def _send_tracks(self, frame: EncodedFrame) -> None:
        self._send(frame.message)

    def _send(self, message: dict[str, Any]) -> None:
        channel = self.channel
        if channel is None or channel.readyState != "open":
            return
        if channel.bufferedAmount > MAX_CHANNEL_BUFFER:
            self.messages_dropped += 1
            return
        channel.send(json.dumps(message, separators=(",", ":")))
        self.messages_sent += 1

    async def close(self) -> None:
        self.feed.remove(self.track)
        self.track.stop()
        await self.pc.close()
        log.info(
            "viewer %s of camera %s closed: %d frames sent, %d dropped",
            self.id,
            self.camera_id,
            self.track.sent,
            self.track.dropped,
        )

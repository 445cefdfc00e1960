"""A WHEP viewer in Python (aiortc): what a browser does, minus the browser."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import av
import httpx
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from restream.ice import IceSettings, gathering_on
from tests.waiting import scaled

LOOPBACK = IceSettings(("127.0.0.1",))


@dataclass
class ReceivedFrame:
    rtp_timestamp: int
    image: Any
    """BGR ndarray."""
    received_at: float


@dataclass
class Viewing:
    frames: list[ReceivedFrame] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    rtp_origin: int | None = None
    first_frame_s: float | None = None
    location: str = ""


def _rtp_timestamp(receiver: RTCRtpReceiver, pts: int) -> int:
    """aiortc counts a received frame's pts from the stream's first RTP timestamp; a browser's
    ``requestVideoFrameCallback`` gives the RTP timestamp itself. Undo the former."""
    mapper = receiver._RTCRtpReceiver__timestamp_mapper  # type: ignore[attr-defined]
    return int((mapper._origin + pts) % 2**32)


async def view(
    base_url: str, camera_id: str, frames: int, timeout_s: float = 20, *, delete: bool = True
) -> Viewing:
    """Open a WHEP session, receive ``frames`` decoded frames and their track messages, then
    DELETE the session (``delete=False``: only close the peer connection, as a tab that goes
    away does)."""
    started = time.monotonic()
    viewing = Viewing()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        receiver = pc.addTransceiver("video", direction="recvonly").receiver
        channel = pc.createDataChannel("tracks")

        @channel.on("message")
        def on_message(text: str | bytes) -> None:
            message = json.loads(text)
            if message["type"] == "clock":
                viewing.rtp_origin = message["rtp_origin"]
            else:
                viewing.messages[message["ts"]] = message

        got_track: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
        pc.on("track", got_track.set_result)
        with gathering_on(LOOPBACK):
            await pc.setLocalDescription(await pc.createOffer())
        offer = LOOPBACK.filter_remote(pc.localDescription.sdp)
        timeout_s = scaled(timeout_s)
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout_s) as client:
            response = await client.post(
                f"/api/cameras/{camera_id}/whep",
                content=offer,
                headers={"Content-Type": "application/sdp"},
            )
            assert response.status_code == 201, response.text
            assert response.headers["content-type"].startswith("application/sdp")
            viewing.location = response.headers["location"]
            await pc.setRemoteDescription(RTCSessionDescription(response.text, "answer"))
            track = await asyncio.wait_for(got_track, timeout_s)
            async with asyncio.timeout(timeout_s):
                while len(viewing.frames) < frames:
                    frame = await track.recv()
                    assert isinstance(frame, av.VideoFrame) and frame.pts is not None
                    if viewing.first_frame_s is None:
                        viewing.first_frame_s = time.monotonic() - started
                    viewing.frames.append(
                        ReceivedFrame(
                            _rtp_timestamp(receiver, frame.pts),
                            frame.to_ndarray(format="bgr24"),
                            time.time(),
                        )
                    )
            if delete:
                deleted = await client.delete(viewing.location)
                assert deleted.status_code == 204, deleted.text
    finally:
        await pc.close()
    return viewing

"""aiortc peers for the session-limit tests: a viewer that keeps watching while a test runs, and
offers from peers that will never connect."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from restream.ice import IceSettings, gathering_on
from tests.restream.whep_client import LOOPBACK
from tests.waiting import scaled

SDP = {"Content-Type": "application/sdp"}
NOWHERE = IceSettings(())
"""Gathers no candidate at all."""
DEAD_CANDIDATE = "a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host"
"""The discard port on loopback: nothing answers ICE checks there."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def eventually(check: Callable[[], bool], timeout_s: float) -> float:
    """Seconds until ``check()`` held, polling without blocking the loop; fails after
    ``timeout_s``."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < scaled(timeout_s), f"not within {timeout_s} s (scaled)"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@dataclass
class Watch:
    """Frames received so far by a :func:`watching` viewer."""

    location: str = ""
    frames: int = 0


async def _count(track: MediaStreamTrack, watch: Watch) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()
            watch.frames += 1


@contextlib.asynccontextmanager
async def watching(
    client: httpx.AsyncClient, camera_id: str, token: str, timeout_s: float = 30
) -> AsyncIterator[Watch]:
    """A WHEP viewer with ``token``, receiving frames (counted) from its first frame to the end of
    the block; then it DELETEs its session."""
    watch = Watch()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction="recvonly")
        got_track: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
        pc.on("track", got_track.set_result)
        with gathering_on(LOOPBACK):
            await pc.setLocalDescription(await pc.createOffer())
        offer = LOOPBACK.filter_remote(pc.localDescription.sdp)
        response = await client.post(
            f"/api/cameras/{camera_id}/whep", content=offer, headers={**SDP, **bearer(token)}
        )
        assert response.status_code == 201, response.text
        watch.location = response.headers["location"]
        await pc.setRemoteDescription(RTCSessionDescription(response.text, "answer"))
        counting = asyncio.ensure_future(
            _count(await asyncio.wait_for(got_track, timeout_s), watch)
        )
        try:
            await eventually(lambda: watch.frames > 0, timeout_s)
            yield watch
        finally:
            counting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await counting
        deleted = await client.delete(watch.location, headers=bearer(token))
        assert deleted.status_code == 204, deleted.text
    finally:
        await pc.close()


async def idle_offer(*, dead_candidate: bool = False, send: bool = False) -> str:
    """An offer from a real aiortc peer that then goes away: no candidate (a trickle-ICE client
    that never sent one), or one nothing answers; without ``end-of-candidates`` either way.
    ``send``: it offers video (a WHIP publisher) instead of asking for it (a WHEP viewer)."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        transceiver: RTCRtpTransceiver
        if send:
            transceiver = pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
        else:
            transceiver = pc.addTransceiver("video", direction="recvonly")
        assert transceiver is not None
        with gathering_on(NOWHERE):
            await pc.setLocalDescription(await pc.createOffer())
        sdp: str = pc.localDescription.sdp
    finally:
        await pc.close()
    assert "a=candidate:" not in sdp
    lines = [line for line in sdp.splitlines() if line != "a=end-of-candidates"]
    if dead_candidate:
        at = next(i for i, line in enumerate(lines) if line.startswith("a=mid:")) + 1
        lines.insert(at, DEAD_CANDIDATE)
    return "\r\n".join(lines) + "\r\n"

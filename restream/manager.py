"""WHEP sessions: an SDP offer in, an answer out; every peer connection closed at shutdown.

Sessions of the same camera share one :class:`CameraFeed` (one encoder); a feed starts with its
first viewer and stops with its last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass

from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)

from restream.feed import CameraFeed, FrameSource
from restream.ice import IceSettings, gathering_on
from restream.session import WhepSession

log = logging.getLogger(__name__)


class OfferError(ValueError):
    """The SDP offer cannot be answered (malformed, no video, no common codec)."""


class SessionLimitError(RuntimeError):
    """Too many viewers already."""


@dataclass(frozen=True, slots=True)
class WhepAnswer:
    session_id: str
    sdp: str


def _h264_first() -> list[object]:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    return [c for c in codecs if c.mimeType in ("video/H264", "video/rtx")]


class SessionManager:
    """Owns every WHEP session and camera feed of one API server."""

    def __init__(
        self, source: FrameSource, ice: IceSettings | None = None, max_sessions: int = 64
    ) -> None:
        self._source = source
        self._ice = ice or IceSettings()
        self._max_sessions = max_sessions
        self._sessions: dict[str, WhepSession] = {}
        self._feeds: dict[tuple[str, bool], CameraFeed] = {}
        self._closed = False

    @property
    def session_count(self) -> int:
        return len(self._sessions)

    @property
    def feed_count(self) -> int:
        return len(self._feeds)

    def sessions(self) -> list[WhepSession]:
        return list(self._sessions.values())

    def feeds(self) -> list[CameraFeed]:
        return list(self._feeds.values())

    async def create(
        self, camera_id: str, offer_sdp: str, *, burn_overlay: bool = False
    ) -> WhepAnswer:
        """Answer a viewer's offer. KeyError if the camera is not running, OfferError for a bad
        offer, SessionLimitError when full."""
        if self._closed:
            raise SessionLimitError("the server is shutting down")
        if len(self._sessions) >= self._max_sessions:
            raise SessionLimitError(f"{self._max_sessions} viewers already")
        if "m=video" not in offer_sdp:
            raise OfferError("the offer has no video section (m=video)")
        feed = await self._feed(camera_id, burn_overlay)
        session = WhepSession(
            uuid.uuid4().hex, feed, RTCPeerConnection(RTCConfiguration(iceServers=[]))
        )
        feed.add(session.track)
        try:
            answer = await self._negotiate(session, offer_sdp)
        except BaseException:
            await session.close()
            await self._release(feed)
            raise
        self._sessions[session.id] = session
        self._watch(session)
        log.info("viewer %s of camera %s connected", session.id, camera_id)
        return WhepAnswer(session.id, answer)

    async def delete(self, session_id: str) -> bool:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return False
        await session.close()
        await self._release(session.feed)
        return True

    async def close(self) -> None:
        """Close every session and stop every feed; later offers are refused."""
        self._closed = True
        for session_id in list(self._sessions):
            await self.delete(session_id)
        for key, feed in list(self._feeds.items()):
            del self._feeds[key]
            await feed.stop()

    async def _negotiate(self, session: WhepSession, offer_sdp: str) -> str:
        pc = session.pc
        transceiver = pc.addTransceiver(session.track, direction="sendonly")
        transceiver.setCodecPreferences(_h264_first())  # type: ignore[arg-type]
        session.track.attach(transceiver.sender)
        offer = RTCSessionDescription(self._ice.filter_remote(offer_sdp), "offer")
        try:
            with gathering_on(self._ice):
                await pc.setRemoteDescription(offer)
                await pc.setLocalDescription(await pc.createAnswer())
        except (ValueError, TypeError, AttributeError) as error:
            raise OfferError(f"cannot answer the offer: {error}") from error
        except Exception as error:  # aiortc's OperationError and InvalidStateError
            raise OfferError(f"cannot answer the offer: {error}") from error
        return pc.localDescription.sdp

    async def _feed(self, camera_id: str, burn_overlay: bool) -> CameraFeed:
        key = (camera_id, burn_overlay)
        feed = self._feeds.get(key)
        if feed is not None and not feed.running:  # its camera stopped (and maybe restarted)
            del self._feeds[key]
            await feed.stop()
            feed = None
        if feed is None:
            feed = CameraFeed(self._source, camera_id, burn_overlay=burn_overlay)
            feed.start()  # KeyError: camera not running
            self._feeds[key] = feed
        return feed

    async def _release(self, feed: CameraFeed) -> None:
        key = (feed.camera_id, feed.burn_overlay)
        if feed.subscribers == 0:
            if self._feeds.get(key) is feed:
                del self._feeds[key]
            await feed.stop()

    def _watch(self, session: WhepSession) -> None:
        """A viewer that fails, closes, or whose camera stops is deleted."""

        def end() -> None:
            if session.id in self._sessions and not self._closed:
                task = asyncio.ensure_future(self.delete(session.id))
                task.add_done_callback(_log_failure)

        @session.pc.on("connectionstatechange")
        def on_state() -> None:
            if session.pc.connectionState in ("failed", "closed"):
                end()

        session.track.on("ended", end)


def _log_failure(task: asyncio.Future[bool]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        if task.exception() is not None:
            log.error("closing a viewer failed", exc_info=task.exception())

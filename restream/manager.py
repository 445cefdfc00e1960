"""WHEP sessions: an SDP offer in, an answer out; every peer connection closed at shutdown.

Sessions of the same camera share one :class:`CameraFeed` (one encoder); a feed starts with its
first viewer and stops with its last. Admission (caps in all, per caller and per caller while
connecting) and the connect deadline are :class:`restream.peers.PeerSessions`'.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender

from restream.admission import SessionLimits
from restream.feed import CameraFeed
from restream.follow import FrameSource, RunningByKey
from restream.ice import IceSettings
from restream.offer import OfferLimits, require_video
from restream.peers import PeerSessions, SessionStats, answer_offer
from restream.session import WhepSession

log = logging.getLogger(__name__)


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
        self,
        source: FrameSource,
        ice: IceSettings | None = None,
        limits: SessionLimits | None = None,
        offers: OfferLimits | None = None,
    ) -> None:
        self._ice = ice or IceSettings()
        self._offers = offers or OfferLimits()
        self._sessions = PeerSessions[WhepSession](
            "viewer", limits or SessionLimits(), self._released
        )
        self._feeds = RunningByKey[tuple[str, bool], CameraFeed](
            lambda key: CameraFeed(source, key[0], burn_overlay=key[1])
        )

    @property
    def session_count(self) -> int:
        """Sessions held, connected or not."""
        return len(self._sessions)

    @property
    def pending_count(self) -> int:
        """Admitted sessions not connected yet (their offers may still be being answered)."""
        return self._sessions.admission.pending

    @property
    def slots_taken(self) -> int:
        """Admission slots in use: every session, and offers being answered."""
        return self._sessions.admission.taken

    @property
    def expired_count(self) -> int:
        """Sessions closed because they did not connect within the deadline."""
        return self._sessions.expired

    def stats(self) -> SessionStats:
        return self._sessions.stats()

    @property
    def feed_count(self) -> int:
        return len(self._feeds)

    def sessions(self) -> list[WhepSession]:
        return self._sessions.values()

    def feeds(self) -> list[CameraFeed]:
        return self._feeds.values()

    async def create(
        self, camera_id: str, offer_sdp: str, *, caller: str = "", burn_overlay: bool = False
    ) -> WhepAnswer:
        """Answer ``caller``'s offer. KeyError if the camera is not running, OfferError for a
        bad offer, SessionLimitError (CallerLimitError: the caller's own caps) when full."""
        slot = self._sessions.admit(caller)
        try:
            require_video(offer_sdp)
            feed = await self._feeds.get((camera_id, burn_overlay))
        except BaseException:
            self._sessions.release(slot)
            raise
        session = WhepSession(
            uuid.uuid4().hex, feed, RTCPeerConnection(RTCConfiguration(iceServers=[]))
        )
        feed.add(session.track)
        try:
            async with self._sessions.answering(slot):
                answer = await self._negotiate(session, offer_sdp)
        except BaseException:
            self._sessions.release(slot)
            await session.close()
            await self._release(feed)
            raise
        session.track.on("ended", self._sessions.add(session, slot))
        log.info("viewer %s of camera %s answered", session.id, camera_id)
        return WhepAnswer(session.id, answer)

    async def delete(self, session_id: str) -> bool:
        return await self._sessions.delete(session_id)

    async def close(self) -> None:
        """Close every session and stop every feed; later offers are refused."""
        await self._sessions.close()
        await self._feeds.close()

    async def _negotiate(self, session: WhepSession, offer_sdp: str) -> str:
        pc = session.pc
        transceiver = pc.addTransceiver(session.track, direction="sendonly")
        transceiver.setCodecPreferences(_h264_first())  # type: ignore[arg-type]
        session.track.attach(transceiver.sender)
        return await answer_offer(pc, offer_sdp, self._ice, self._offers)

    async def _released(self, session: WhepSession) -> None:
        await self._release(session.feed)

    async def _release(self, feed: CameraFeed) -> None:
        if feed.subscribers == 0:
            await self._feeds.drop((feed.camera_id, feed.burn_overlay), feed)

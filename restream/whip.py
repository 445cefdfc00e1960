"""WHIP publishers: an SDP offer carrying video in, an answer out; the received frames go to the
camera's :class:`PushSource` and from there through the runtime like any camera's.

aiortc decodes on its own thread; the BGR conversion runs on one worker thread per session. A
session ends when the publisher DELETEs it, its connection fails or closes, it is not connected
within the connect deadline, its track ends, or its camera stops; every peer connection is closed
at shutdown. Publishers are admitted like viewers (caps in all, per caller and per caller while
connecting: see :mod:`restream.admission`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from restream.admission import SessionLimits
from restream.ice import IceSettings
from restream.offer import OfferError, OfferLimits, require_video
from restream.peers import PeerSessions, SessionStats, answer_offer
from stream.frames import BgrImage
from stream.push_source import PublisherBusyError, PushSource

log = logging.getLogger(__name__)


class PushSources(Protocol):
    def push_source(self, camera_id: str) -> PushSource | None:
        """KeyError if the camera is not running; None if it takes no publisher."""


class NotPublishableError(ValueError):
    """The camera is not a ``whip:`` camera."""


@dataclass(frozen=True, slots=True)
class WhipAnswer:
    session_id: str
    sdp: str


class WhipSession:
    """One publisher: its peer connection and the task that feeds its frames to ``source``."""

    def __init__(self, session_id: str, source: PushSource, pc: RTCPeerConnection) -> None:
        self.id = session_id
        self.camera_id = source.camera_id
        self.source = source
        self.pc = pc
        self.frames_received = 0
        self._executor = ThreadPoolExecutor(
            1, thread_name_prefix=f"trackcast-whip-{self.camera_id}"
        )
        self.receiving: asyncio.Task[None] | None = None
        """Feeds the publisher's frames to the source; ends with the track or the camera."""

    def receive(self, track: MediaStreamTrack) -> None:
        self.receiving = asyncio.ensure_future(self._receive(track))

    async def _receive(self, track: MediaStreamTrack) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                frame = await track.recv()
                if not isinstance(frame, av.VideoFrame):
                    continue
                image = await loop.run_in_executor(self._executor, _to_bgr, frame)
                pts = _seconds(frame.pts, frame.time_base)
                self.frames_received += 1
                if not self.source.push(self.id, image, pts):
                    return  # the camera stopped or was removed
        except MediaStreamError:
            return
        finally:
            self.source.disconnect(self.id)

    async def close(self) -> None:
        await self.pc.close()  # ends track.recv()
        if self.receiving is not None:
            self.receiving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.receiving
        self.source.disconnect(self.id)
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown)
        log.info(
            "publisher %s of camera %s closed: %d frames received",
            self.id,
            self.camera_id,
            self.frames_received,
        )


def _to_bgr(frame: av.VideoFrame) -> BgrImage:
    return np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)


def _seconds(pts: int | None, time_base: Fraction | None) -> float | None:
    return float(pts * time_base) if pts is not None and time_base is not None else None


class WhipPublishers:
    """Owns every WHIP session of one API server."""

    def __init__(
        self,
        sources: PushSources,
        ice: IceSettings | None = None,
        limits: SessionLimits | None = None,
        offers: OfferLimits | None = None,
    ) -> None:
        self._sources = sources
        self._ice = ice or IceSettings()
        self._offers = offers or OfferLimits()
        self._sessions = PeerSessions[WhipSession](
            "publisher", limits or SessionLimits(max_sessions=16)
        )

    def sessions(self) -> list[WhipSession]:
        return self._sessions.values()

    @property
    def pending_count(self) -> int:
        """Admitted publishers not connected yet."""
        return self._sessions.admission.pending

    @property
    def slots_taken(self) -> int:
        return self._sessions.admission.taken

    @property
    def expired_count(self) -> int:
        """Sessions closed because they did not connect within the deadline."""
        return self._sessions.expired

    def stats(self) -> SessionStats:
        return self._sessions.stats()

    async def create(self, camera_id: str, offer_sdp: str, *, caller: str = "") -> WhipAnswer:
        """Answer ``caller``'s offer. KeyError if the camera is not running,
        NotPublishableError if it is not a ``whip:`` camera, PublisherBusyError if it has a
        publisher, OfferError for a bad offer, SessionLimitError (CallerLimitError: the
        caller's own caps) when full."""
        slot = self._sessions.admit(caller)
        try:
            source = self._sources.push_source(camera_id)
            if source is None:
                raise NotPublishableError(f"camera {camera_id} is not a whip: camera")
            require_video(offer_sdp)
            session_id = uuid.uuid4().hex
            source.connect(session_id)  # PublisherBusyError
        except BaseException:
            self._sessions.release(slot)
            raise
        session = WhipSession(
            session_id, source, RTCPeerConnection(RTCConfiguration(iceServers=[]))
        )
        try:
            async with self._sessions.answering(slot):
                answer = await self._negotiate(session, offer_sdp)
        except BaseException:
            self._sessions.release(slot)
            await session.close()
            raise
        end = self._sessions.add(session, slot)
        if session.receiving is not None:
            session.receiving.add_done_callback(end)
        log.info("publisher %s of camera %s answered", session.id, camera_id)
        return WhipAnswer(session.id, answer)

    async def delete(self, session_id: str) -> bool:
        return await self._sessions.delete(session_id)

    async def close(self) -> None:
        """Close every session; later offers are refused."""
        await self._sessions.close()

    async def _negotiate(self, session: WhipSession, offer_sdp: str) -> str:
        pc = session.pc
        tracks: list[MediaStreamTrack] = []
        pc.on("track", lambda track: tracks.append(track) if track.kind == "video" else None)
        answer = await answer_offer(pc, offer_sdp, self._ice, self._offers)
        if not tracks:
            raise OfferError("the offer sends no video")
        session.receive(tracks[0])
        return answer


__all__ = [
    "NotPublishableError",
    "PublisherBusyError",
    "PushSources",
    "WhipAnswer",
    "WhipPublishers",
    "WhipSession",
]

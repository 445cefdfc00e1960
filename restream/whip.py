"""WHIP publishers: an SDP offer carrying video in, an answer out; the received frames go to the
camera's :class:`PushSource` and from there through the runtime like any camera's.

aiortc decodes on its own thread; the BGR conversion runs on one worker thread per session. A
session ends when the publisher DELETEs it, its connection fails or closes, its track ends, or its
camera stops; every peer connection is closed at shutdown.
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
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from restream.ice import IceSettings, gathering_on
from restream.manager import OfferError, SessionLimitError
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
        self, sources: PushSources, ice: IceSettings | None = None, max_sessions: int = 16
    ) -> None:
        self._sources = sources
        self._ice = ice or IceSettings()
        self._max_sessions = max_sessions
        self._sessions: dict[str, WhipSession] = {}
        self._closed = False

    def sessions(self) -> list[WhipSession]:
        return list(self._sessions.values())

    async def create(self, camera_id: str, offer_sdp: str) -> WhipAnswer:
        """Answer a publisher's offer. KeyError if the camera is not running,
        NotPublishableError if it is not a ``whip:`` camera, PublisherBusyError if it has a
        publisher, OfferError for a bad offer, SessionLimitError when full."""
        if self._closed:
            raise SessionLimitError("the server is shutting down")
        if len(self._sessions) >= self._max_sessions:
            raise SessionLimitError(f"{self._max_sessions} publishers already")
        source = self._sources.push_source(camera_id)
        if source is None:
            raise NotPublishableError(f"camera {camera_id} is not a whip: camera")
        if "m=video" not in offer_sdp:
            raise OfferError("the offer has no video section (m=video)")
        session_id = uuid.uuid4().hex
        source.connect(session_id)  # PublisherBusyError
        session = WhipSession(
            session_id, source, RTCPeerConnection(RTCConfiguration(iceServers=[]))
        )
        try:
            answer = await self._negotiate(session, offer_sdp)
        except BaseException:
            await session.close()
            raise
        self._sessions[session.id] = session
        self._watch(session)
        log.info("publisher %s of camera %s connected", session.id, camera_id)
        return WhipAnswer(session.id, answer)

    async def delete(self, session_id: str) -> bool:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return False
        await session.close()
        return True

    async def close(self) -> None:
        """Close every session; later offers are refused."""
        self._closed = True
        for session_id in list(self._sessions):
            await self.delete(session_id)

    async def _negotiate(self, session: WhipSession, offer_sdp: str) -> str:
        pc = session.pc
        tracks: list[MediaStreamTrack] = []
        pc.on("track", lambda track: tracks.append(track) if track.kind == "video" else None)
        offer = RTCSessionDescription(self._ice.filter_remote(offer_sdp), "offer")
        try:
            with gathering_on(self._ice):
                await pc.setRemoteDescription(offer)
                await pc.setLocalDescription(await pc.createAnswer())
        except Exception as error:  # ValueError, aiortc's OperationError and InvalidStateError
            raise OfferError(f"cannot answer the offer: {error}") from error
        if not tracks:
            raise OfferError("the offer sends no video")
        session.receive(tracks[0])
        return str(pc.localDescription.sdp)

    def _watch(self, session: WhipSession) -> None:
        """A publisher that fails, closes, stops sending or whose camera stops is deleted."""

        def end(*_: object) -> None:
            if session.id in self._sessions and not self._closed:
                task = asyncio.ensure_future(self.delete(session.id))
                task.add_done_callback(_log_failure)

        @session.pc.on("connectionstatechange")
        def on_state() -> None:
            if session.pc.connectionState in ("failed", "closed"):
                end()

        if session.receiving is not None:
            session.receiving.add_done_callback(end)


def _log_failure(task: asyncio.Future[bool]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        if task.exception() is not None:
            log.error("closing a publisher failed", exc_info=task.exception())


__all__ = [
    "NotPublishableError",
    "PublisherBusyError",
    "PushSources",
    "WhipAnswer",
    "WhipPublishers",
    "WhipSession",
]

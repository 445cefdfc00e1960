"""What WHEP viewers and WHIP publishers share: answering an SDP offer, and the set of sessions.

A session ends when its peer's connection fails or closes, when the caller's own end signal
fires (a viewer's track ended, a publisher's receiving task finished), on DELETE, or at shutdown;
every peer connection is closed by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from aiortc import RTCPeerConnection, RTCSessionDescription

from restream.ice import IceSettings, gathering_on

log = logging.getLogger(__name__)


class OfferError(ValueError):
    """The SDP offer cannot be answered (malformed, no video, no common codec)."""


class SessionLimitError(RuntimeError):
    """Too many sessions already, or the server is shutting down."""


def require_video(offer_sdp: str) -> None:
    """OfferError unless the offer has a video section."""
    if "m=video" not in offer_sdp:
        raise OfferError("the offer has no video section (m=video)")


async def answer_offer(pc: RTCPeerConnection, offer_sdp: str, ice: IceSettings) -> str:
    """Apply the remote offer (filtered by ``ice``) and set and return the local answer.

    Whatever aiortc raises for an offer it cannot answer (ValueError, OperationError,
    InvalidStateError, ...) becomes an OfferError.
    """
    offer = RTCSessionDescription(ice.filter_remote(offer_sdp), "offer")
    try:
        with gathering_on(ice):
            await pc.setRemoteDescription(offer)
            await pc.setLocalDescription(await pc.createAnswer())
    except Exception as error:
        raise OfferError(f"cannot answer the offer: {error}") from error
    return str(pc.localDescription.sdp)


class PeerSession(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def pc(self) -> RTCPeerConnection: ...

    async def close(self) -> None: ...


S = TypeVar("S", bound=PeerSession)


class PeerSessions(Generic[S]):
    """The sessions of one kind (``noun``: viewer, publisher) on one API server.

    ``on_deleted`` runs after a session closed, for what it held besides its connection.
    """

    def __init__(
        self,
        noun: str,
        max_sessions: int,
        on_deleted: Callable[[S], Awaitable[None]] | None = None,
    ) -> None:
        self._noun = noun
        self._max_sessions = max_sessions
        self._on_deleted = on_deleted
        self._sessions: dict[str, S] = {}
        self.closed = False

    def __len__(self) -> int:
        return len(self._sessions)

    def values(self) -> list[S]:
        return list(self._sessions.values())

    def admit(self) -> None:
        """SessionLimitError when one more session cannot be taken."""
        if self.closed:
            raise SessionLimitError("the server is shutting down")
        if len(self._sessions) >= self._max_sessions:
            raise SessionLimitError(f"{self._max_sessions} {self._noun}s already")

    def add(self, session: S) -> Callable[..., None]:
        """Keep ``session`` until it ends; returns the function that ends it, for the caller's
        own end signal (any arguments are ignored)."""
        self._sessions[session.id] = session

        def end(*_: object) -> None:
            if session.id in self._sessions and not self.closed:
                task = asyncio.ensure_future(self.delete(session.id))
                task.add_done_callback(self._log_failure)

        @session.pc.on("connectionstatechange")
        def on_state() -> None:
            if session.pc.connectionState in ("failed", "closed"):
                end()

        return end

    async def delete(self, session_id: str) -> bool:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return False
        await session.close()
        if self._on_deleted is not None:
            await self._on_deleted(session)
        return True

    async def close(self) -> None:
        """Close every session; later ones are refused."""
        self.closed = True
        for session_id in list(self._sessions):
            await self.delete(session_id)

    def _log_failure(self, task: asyncio.Future[bool]) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            if task.exception() is not None:
                log.error("closing a %s failed", self._noun, exc_info=task.exception())

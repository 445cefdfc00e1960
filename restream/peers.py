"""What WHEP viewers and WHIP publishers share: answering an SDP offer, and the set of sessions.

A session holds an admission :class:`Slot` from its offer on. It ends when its peer's connection
fails or closes, when it is not connected within the connect deadline (whether or not any
candidate ever reached it), when the caller's own end signal fires (a viewer's track ended, a
publisher's receiving task finished), on DELETE, or at shutdown; every peer connection is closed
and its slot freed by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from aiortc import RTCPeerConnection, RTCSessionDescription

from restream.admission import Admission, SessionLimitError, SessionLimits, Slot
from restream.ice import IceSettings, gathering_on
from restream.offer import OfferError, OfferLimits, prepare_offer

log = logging.getLogger(__name__)


async def answer_offer(
    pc: RTCPeerConnection, offer_sdp: str, ice: IceSettings, limits: OfferLimits
) -> str:
    """Check the offer on a worker thread (see :mod:`restream.offer`), apply it and set and return
    the local answer.

    Whatever aiortc raises for an offer it cannot answer (ValueError, OperationError,
    InvalidStateError, ...) becomes an OfferError.
    """
    prepared = await asyncio.to_thread(prepare_offer, offer_sdp, ice, limits)
    offer = RTCSessionDescription(prepared, "offer")
    try:
        with gathering_on(ice):
            await pc.setRemoteDescription(offer)
            await pc.setLocalDescription(await pc.createAnswer())
    except Exception as error:
        raise OfferError(f"cannot answer the offer: {error}") from error
    return str(pc.localDescription.sdp)


@dataclass(frozen=True, slots=True)
class SessionStats:
    """Counts of one kind of session (``noun``), for metrics."""

    noun: str
    connecting: int
    connected: int
    expired: int
    refused_caller: int
    refused_full: int


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
        limits: SessionLimits,
        on_deleted: Callable[[S], Awaitable[None]] | None = None,
    ) -> None:
        self._noun = noun
        self.admission = Admission(noun, limits)
        self._on_deleted = on_deleted
        self._sessions: dict[str, S] = {}
        self._slots: dict[str, Slot] = {}
        self._deadlines: dict[str, asyncio.TimerHandle] = {}
        self.closed = False
        self.expired = 0
        """Sessions closed because they did not connect in time."""

    def __len__(self) -> int:
        return len(self._sessions)

    def values(self) -> list[S]:
        return list(self._sessions.values())

    def stats(self) -> SessionStats:
        admission = self.admission
        pending = admission.pending
        return SessionStats(
            self._noun,
            connecting=pending,
            connected=admission.taken - pending,
            expired=self.expired,
            refused_caller=admission.refused_caller,
            refused_full=admission.refused_full,
        )

    def admit(self, caller: str) -> Slot:
        """A slot for one more session of ``caller`` (pass it to :meth:`add`, or to
        :meth:`release` if the session is not made); SessionLimitError (CallerLimitError for
        the caller's own caps) when none can be taken."""
        if self.closed:
            raise SessionLimitError("the server is shutting down", 5.0)
        return self.admission.take(caller)

    def release(self, slot: Slot) -> None:
        self.admission.free(slot)

    @contextlib.asynccontextmanager
    async def answering(self, slot: Slot) -> AsyncIterator[None]:
        """Bounds answering the offer by the slot's connect deadline."""
        try:
            async with asyncio.timeout_at(slot.deadline):
                yield
        except TimeoutError:
            raise SessionLimitError(
                f"answering the {self._noun}'s offer took longer than the connect deadline",
                self.admission.limits.connect_timeout_s,
            ) from None

    def add(self, session: S, slot: Slot) -> Callable[..., None]:
        """Keep ``session`` in ``slot`` until it ends; it must be connected by the slot's
        deadline. Returns the function that ends it, for the caller's own end signal (any
        arguments are ignored)."""
        self._sessions[session.id] = session
        self._slots[session.id] = slot

        def end(*_: object) -> None:
            if session.id in self._sessions and not self.closed:
                task = asyncio.ensure_future(self.delete(session.id))
                task.add_done_callback(self._log_failure)

        def expire() -> None:
            if not slot.connected and session.id in self._sessions:
                self.expired += 1
                log.info(
                    "%s %s did not connect within %g s: closed",
                    self._noun,
                    session.id,
                    self.admission.limits.connect_timeout_s,
                )
                end()

        loop = asyncio.get_running_loop()
        self._deadlines[session.id] = loop.call_at(slot.deadline, expire)

        @session.pc.on("connectionstatechange")
        def on_state() -> None:
            state = session.pc.connectionState
            if state == "connected" and session.id in self._sessions:
                slot.connected = True
                self._cancel_deadline(session.id)
            elif state in ("failed", "closed"):
                end()

        on_state()  # in case it changed while the offer was being answered
        return end

    async def delete(self, session_id: str) -> bool:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return False
        self._cancel_deadline(session_id)
        slot = self._slots.pop(session_id, None)
        try:
            await session.close()
            if self._on_deleted is not None:
                await self._on_deleted(session)
        finally:
            if slot is not None:
                self.admission.free(slot)
        return True

    async def close(self) -> None:
        """Close every session; later ones are refused."""
        self.closed = True
        for session_id in list(self._sessions):
            await self.delete(session_id)

    def _cancel_deadline(self, session_id: str) -> None:
        handle = self._deadlines.pop(session_id, None)
        if handle is not None:
            handle.cancel()

    def _log_failure(self, task: asyncio.Future[bool]) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            if task.exception() is not None:
                log.error("closing a %s failed", self._noun, exc_info=task.exception())

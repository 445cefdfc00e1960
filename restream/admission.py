"""Who may open one more WebRTC session, and until when it must connect.

Every session holds a :class:`Slot` from the moment its offer is admitted. The slots are capped
in all, per caller (a token, or a client address where there is none) and, tighter, per caller
among those not yet connected: one caller flooding offers fills its own few pending slots and is
refused there, so the others still get in. A slot not connected by its deadline is taken back
(see :class:`restream.peers.PeerSessions`).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from stream.clock import Clock


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """``max_sessions`` in all; ``per_caller`` per caller, of which ``pending_per_caller`` not yet
    connected; each must be connected ``connect_timeout_s`` after its offer came in."""

    max_sessions: int = 64
    per_caller: int = 4
    pending_per_caller: int = 2
    connect_timeout_s: float = 10.0


class SessionLimitError(RuntimeError):
    """No session can be taken now: the server is full or shutting down. ``retry_after_s``: when
    a slot may be free again."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    @property
    def retry_after(self) -> int:
        """Whole seconds, at least 1 (the ``Retry-After`` header)."""
        return max(1, math.ceil(self.retry_after_s))


class CallerLimitError(SessionLimitError):
    """This caller holds as many sessions (or pending sessions) as it may."""


@dataclass(eq=False, slots=True)
class Slot:
    """One admitted session's place; ``deadline`` in the event loop's clock."""

    caller: str
    deadline: float
    connected: bool = False


class Admission:
    """The slots of one kind of session (``noun``: viewer, publisher) on one server. Call from
    the event loop only: taking a slot is checked and counted without awaiting in between.
    Deadlines are on the event loop's clock, or on ``clock`` when given (tests)."""

    def __init__(self, noun: str, limits: SessionLimits, *, clock: Clock | None = None) -> None:
        self.noun = noun
        self.limits = limits
        self._clock = clock
        self._slots: list[Slot] = []
        self.refused_caller = 0
        """Offers refused because their caller held its share."""
        self.refused_full = 0
        """Offers refused because every slot was taken."""

    @property
    def taken(self) -> int:
        return len(self._slots)

    @property
    def pending(self) -> int:
        return sum(not s.connected for s in self._slots)

    def take(self, caller: str) -> Slot:
        """A slot for ``caller``'s new session; CallerLimitError or SessionLimitError if none."""
        limits = self.limits
        now = self._now()
        mine = [s for s in self._slots if s.caller == caller]
        pending = [s for s in mine if not s.connected]
        if len(pending) >= limits.pending_per_caller:
            self.refused_caller += 1
            raise CallerLimitError(
                f"this caller already has {len(pending)} {self.noun} sessions connecting",
                self._next_deadline(pending, now),
            )
        if len(mine) >= limits.per_caller:
            self.refused_caller += 1
            raise CallerLimitError(
                f"this caller already has {len(mine)} {self.noun} sessions",
                limits.connect_timeout_s,
            )
        if len(self._slots) >= limits.max_sessions:
            self.refused_full += 1
            raise SessionLimitError(
                f"{limits.max_sessions} {self.noun} sessions already",
                self._next_deadline([s for s in self._slots if not s.connected], now),
            )
        slot = Slot(caller, now + limits.connect_timeout_s)
        self._slots.append(slot)
        return slot

    def free(self, slot: Slot) -> None:
        if slot in self._slots:
            self._slots.remove(slot)

    def _now(self) -> float:
        if self._clock is not None:
            return self._clock.monotonic()
        return asyncio.get_running_loop().time()

    def _next_deadline(self, pending: list[Slot], now: float) -> float:
        """Seconds until the first of ``pending`` is connected or taken back."""
        if not pending:
            return self.limits.connect_timeout_s
        return max(0.0, min(s.deadline for s in pending) - now)

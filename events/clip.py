"""An event's video clip as the event record keeps it: where it is in its life and why.

``pending`` from the event's commit until its clip is written (``post_capture_s`` after the
event), then ``ready`` or ``failed`` (with the reason); a ready clip that retention deleted is
``expired`` (with the reason). An event of a camera without clips has none (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ClipState(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"
    """Written once, since deleted (retention)."""


@dataclass(frozen=True, slots=True)
class EventClip:
    """An event's clip: its state, why it failed or expired, and (once written) its file
    relative to the clips directory and its size."""

    state: ClipState
    reason: str | None = None
    path: str | None = None
    bytes: int | None = None

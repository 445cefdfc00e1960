"""Event clip settings for one camera (see ``stream.packet_ring`` and ``stream.clip_writer``).

Standalone on purpose: ``config.models`` can embed :class:`ClipsConfig` without an import cycle.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.limits import MAX_SECONDS

MIB = 1024 * 1024
GIB = 1024 * MIB


class ClipsConfig(BaseModel):
    """A ring of the camera's own encoded video, remuxed (not re-encoded) into event clips.

    The ring holds whole groups of pictures, so a clip starts at the last keyframe at or before
    ``pre_capture_s`` before its event; it is bounded by ``max_ring_s`` and ``max_ring_bytes``,
    whichever is reached first, and its size is reported in ``/metrics``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(
        True, description="Off: no ring is kept and events of this camera get no clip."
    )
    pre_capture_s: float = Field(
        5.0, ge=0, le=300, description="Video kept before the event (0 to 300 s)."
    )
    post_capture_s: float = Field(
        5.0,
        ge=0,
        le=300,
        description="Video kept after the event; the clip is written once this has passed "
        "(0 to 300 s).",
    )
    max_ring_s: float = Field(
        30.0,
        ge=1,
        le=MAX_SECONDS,
        description="Most seconds of encoded video kept in memory; at least pre_capture_s + "
        "post_capture_s, plus a keyframe interval of margin (1 to 3600 s).",
    )
    max_ring_bytes: int = Field(
        64 * MIB,
        ge=MIB,
        le=4096 * MIB,
        description="Most bytes of encoded video kept in memory (1 MiB to 4 GiB); oldest "
        "keyframe intervals go first. A 4 Mbit/s camera fills 15 MiB in 30 s.",
    )

    retention_days: float = Field(
        7.0,
        gt=0,
        le=36_500,
        description="Clips older than this are deleted and their events' clip state becomes "
        "expired; the events stay until storage.retention_days (which takes their clips along).",
    )
    max_disk_bytes: int = Field(
        10 * GIB,
        ge=MIB,
        le=1024 * 1024 * MIB,
        description="Most bytes of this camera's clips on disk (1 MiB to 1 PiB); past it, its "
        "oldest clips are deleted first (clip state expired).",
    )

    @model_validator(mode="after")
    def _ring_holds_a_clip(self) -> Self:
        if self.max_ring_s < self.pre_capture_s + self.post_capture_s:
            raise ValueError("max_ring_s must be at least pre_capture_s + post_capture_s")
        return self

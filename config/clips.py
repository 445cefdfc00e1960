"""Event clip settings for one camera (see ``stream.packet_ring`` and ``stream.clip_writer``).

Standalone on purpose: ``config.models`` can embed :class:`ClipsConfig` without an import cycle.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.limits import MAX_SECONDS

MIB = 1024 * 1024
GIB = 1024 * MIB


class ClipSource(StrEnum):
    """Where a camera's clips come from."""

    AUTO = "auto"
    """The camera's own H.264 packets, remuxed; its published frames, encoded, when the stream
    cannot be remuxed (MJPEG, WHIP, other codecs) or privacy masking is on."""
    ENCODE = "encode"
    """Always its published frames, encoded."""


class ClipsConfig(BaseModel):
    """A ring of the camera's own encoded video, remuxed (not re-encoded) into event clips; or,
    for a stream that cannot be remuxed or a privacy-masked camera, of its published frames
    encoded (see ``source``).

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
    source: ClipSource = Field(
        ClipSource.AUTO,
        description="auto: remux the camera's own H.264 packets (no re-encoding), or encode the "
        "frames it publishes when its stream cannot be remuxed (MJPEG, WHIP, codecs other than "
        "H.264) or its privacy masking is on (the original packets would show what the mask "
        "hides); encode: always encode the published frames.",
    )
    encode_max_size: int = Field(
        640,
        ge=160,
        le=3840,
        description="Encoded clips only: the longer side of the picture at most, in pixels "
        "(160 to 3840; frames are shrunk, never enlarged). Encoding costs CPU in proportion.",
    )

    @model_validator(mode="after")
    def _ring_holds_a_clip(self) -> Self:
        if self.max_ring_s < self.pre_capture_s + self.post_capture_s:
            raise ValueError("max_ring_s must be at least pre_capture_s + post_capture_s")
        return self

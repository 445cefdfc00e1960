"""Continuous recording settings for one camera (see ``runtime.recorder``).

Standalone on purpose, like ``config.clips``: ``config.models`` embeds :class:`RecordingConfig`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MIB = 1024 * 1024
GIB = 1024 * MIB


class RecordingConfig(BaseModel):
    """The camera's own encoded video, remuxed (not re-encoded) into MP4 segments on disk.

    Segments go under ``data_dir/recordings/<camera>/``, each starting at a keyframe; the oldest
    are deleted once older than ``retain_days`` or once the camera's segments take more than
    ``max_bytes``. Off by default.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(False, description="On: record the camera continuously.")
    segment_s: float = Field(
        60.0,
        ge=2,
        le=3600,
        description="Length of one segment; each is cut at the first keyframe after it "
        "(2 to 3600 s).",
    )
    retain_days: float = Field(
        7.0,
        gt=0,
        le=3650,
        description="Segments older than this are deleted (up to 3650 days).",
    )
    max_bytes: int = Field(
        10 * GIB,
        ge=MIB,
        le=1024 * 1024 * GIB,
        description="Most bytes of this camera's segments on disk; the oldest are deleted first "
        "(1 MiB to 1 PiB). A 4 Mbit/s camera writes about 43 GiB a day.",
    )

"""Motion-gated detection settings for one camera (see ``runtime.motion`` and ``runtime.gate``).

Standalone on purpose: ``config.models`` can embed :class:`MotionConfig` without an import cycle.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from config.limits import MAX_SECONDS, MIN_SECONDS


class MotionConfig(BaseModel):
    """When the detector runs on a live camera: on motion, for moving tracks, and on keyframes.

    Motion is measured on a small grey copy of the frame against a running-average background.
    Frames with no motion and only stationary tracks skip the detector; stationary tracks coast on
    the tracker's prediction and are re-verified by a full-frame keyframe every
    ``keyframe_interval_s``. Keep that interval below the tracker's ``lost_timeout_s`` (3 s by
    default), or a parked car or a seated person is dropped as lost between two keyframes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(True, description="Off: the detector runs on every analysed frame.")
    threshold: int = Field(
        25,
        ge=1,
        le=255,
        description="Grey-level change (0-255) above which a pixel counts as moving: above "
        "compression noise, below a person against a wall.",
    )
    min_area: float = Field(
        0.001,
        ge=0,
        le=1,
        description="Smallest motion area that counts, as a fraction of the frame, measured on "
        "the blurred and dilated grey copy: at the defaults, a sharp change smaller than "
        "about 20x20 px of a 1280x720 frame is ignored.",
    )
    frame_height: int = Field(
        180, ge=32, le=1080, description="Height in px of the grey copy motion is measured on."
    )
    background_alpha: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Weight of each new frame in the running-average background; an object "
        "that stops blends in after about ln(contrast/threshold)/alpha frames (~3 s at 10 fps).",
    )
    global_change: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Moving fraction of the frame treated as a global change (lights, IR "
        "switch, auto-exposure): reported as motion once, then the background is re-seeded.",
    )
    keyframe_interval_s: float = Field(
        2.0,
        ge=MIN_SECONDS,
        le=MAX_SECONDS,
        description="Longest time without a detection: a full-frame check that re-verifies "
        "stationary tracks. Keep it below the tracker's lost_timeout_s (0.01 to 3600 s).",
    )
    stationary_after_s: float = Field(
        3.0,
        ge=0,
        le=MAX_SECONDS,
        description="A track whose box stays put this long no longer keeps the detector awake "
        "(at most 3600 s).",
    )
    stationary_tolerance: float = Field(
        0.1,
        ge=0,
        le=1,
        description="How far a box edge may move, as a fraction of the box's width or height, "
        "and still count as staying put.",
    )

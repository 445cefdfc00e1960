"""Whether one camera's frame needs the detector: motion-gated detection, after Frigate.

Most surveillance frames show nothing new. :class:`DetectionGate` admits a frame to the detector
when the camera's first frame arrives, when something moves in it (``runtime.motion``), when a
track is still moving, or when ``keyframe_interval_s`` has passed since the last admitted frame;
it skips the rest. A track whose box stayed put for ``stationary_after_s`` stops keeping the
detector awake: it coasts on the tracker's prediction, motion in its area still wakes the
detector, and the periodic keyframe re-verifies it before the tracker would drop it as lost.

Time is the frame timestamp passed in (seconds, e.g. the frame's pts). When it goes backwards (a
file looping), the time since the last detection counts as unbounded, so the next frame without
motion is a keyframe, and each track keeps how long it has stood still.
"""

from __future__ import annotations

import enum
from collections import Counter, deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import supervision as sv

from config.motion import MotionConfig
from runtime.motion import Image, Motion, MotionDetector

DEFAULT_RECENT_FRAMES = 100
"""Frames behind :attr:`DetectionGate.recent_duty_cycle`: 10 s at 10 fps."""
KEYFRAME_SHARE_OF_LOST_TIMEOUT = 0.5
"""A gated stream re-detects at least twice per lost timeout, so a still track is never lost."""


class GateReason(enum.Enum):
    """Why the gate admitted a frame, or ``STILL`` when it skipped it."""

    DISABLED = "disabled"
    FIRST_FRAME = "first_frame"
    MOTION = "motion"
    MOVING_TRACK = "moving_track"
    KEYFRAME = "keyframe"
    STILL = "still"


@dataclass(frozen=True, eq=False)
class GateDecision:
    """The gate's answer for one frame."""

    detect: bool
    reason: GateReason
    motion: Motion | None
    """The frame's motion; None when the gate is disabled (motion is then not measured)."""


@dataclass
class _Anchor:
    """Where a track's box settled and since when."""

    box: npt.NDArray[np.float32]
    since: float


def gate_for(config: MotionConfig, lost_timeout_s: float) -> DetectionGate | None:
    """The gate for a stream whose tracker drops tracks after ``lost_timeout_s`` unseen (None when
    gating is off); its keyframe interval is capped so that still tracks are re-detected in time."""
    if not config.enabled:
        return None
    longest = lost_timeout_s * KEYFRAME_SHARE_OF_LOST_TIMEOUT
    if config.keyframe_interval_s > longest:
        config = config.model_copy(update={"keyframe_interval_s": longest})
    return DetectionGate(config)


class DetectionGate:
    """Decides, frame by frame, whether one camera's frame goes to the detector.

    One per camera; not thread-safe. The counters cover the gate's whole life, ``reset`` included.
    """

    def __init__(
        self, config: MotionConfig | None = None, *, recent_frames: int = DEFAULT_RECENT_FRAMES
    ) -> None:
        self.config = config or MotionConfig()
        self._motion = MotionDetector(self.config)
        self._anchors: dict[int, _Anchor] = {}
        self._last_detect: float | None = None
        self._last_timestamp: float | None = None
        self._recent: deque[bool] = deque(maxlen=recent_frames)
        self.seen = 0
        self.detected = 0
        self.by_reason: Counter[GateReason] = Counter()

    @property
    def gated(self) -> int:
        """Frames the gate skipped."""
        return self.seen - self.detected

    @property
    def duty_cycle(self) -> float:
        """Admitted over seen frames, over the gate's whole life (0 before the first frame)."""
        return self.detected / self.seen if self.seen else 0.0

    @property
    def recent_duty_cycle(self) -> float:
        """Admitted over seen frames among the last ``recent_frames`` frames."""
        return sum(self._recent) / len(self._recent) if self._recent else 0.0

    def reset(self) -> None:
        """Start over as if no frame had been seen (a new stream); the counters are kept."""
        self._motion.reset()
        self._anchors.clear()
        self._last_detect = None
        self._last_timestamp = None

    def decide(self, image: Image, timestamp: float, tracks: sv.Detections) -> GateDecision:
        """Whether ``image``, taken at ``timestamp`` seconds, goes to the detector.

        ``tracks`` are the camera's latest tracked boxes (the tracker's last output, with
        ``tracker_id``), in the same pixels as ``image``. A frame admitted here is assumed to be
        detected: the next keyframe is due ``keyframe_interval_s`` after it.
        """
        if not self.config.enabled:
            return self._count(GateDecision(True, GateReason.DISABLED, None))
        self._follow_clock(timestamp)
        motion = self._motion.update(image)
        moving_track = self._update_tracks(tracks, timestamp)
        reason = self._reason(motion, moving_track, timestamp)
        if reason is not GateReason.STILL:
            self._last_detect = timestamp
        return self._count(GateDecision(reason is not GateReason.STILL, reason, motion))

    def _follow_clock(self, timestamp: float) -> None:
        if self._last_timestamp is not None and timestamp < self._last_timestamp:
            shift = timestamp - self._last_timestamp
            for anchor in self._anchors.values():
                anchor.since += shift
            if self._last_detect is not None:
                self._last_detect = float("-inf")
        self._last_timestamp = timestamp

    def _reason(self, motion: Motion, moving_track: bool, timestamp: float) -> GateReason:
        if self._last_detect is None:
            return GateReason.FIRST_FRAME
        if motion.moving:
            return GateReason.MOTION
        if moving_track:
            return GateReason.MOVING_TRACK
        if timestamp - self._last_detect >= self.config.keyframe_interval_s:
            return GateReason.KEYFRAME
        return GateReason.STILL

    def _update_tracks(self, tracks: sv.Detections, timestamp: float) -> bool:
        """Follow each track's box; True when any track has not stood still long enough."""
        if len(tracks) == 0:
            self._anchors.clear()
            return False
        if tracks.tracker_id is None:
            raise ValueError("the gate needs tracked boxes: tracks.tracker_id is None")
        anchors: dict[int, _Anchor] = {}
        moving = False
        for track_id, box in zip(tracks.tracker_id.tolist(), tracks.xyxy, strict=True):
            anchor = self._anchors.get(track_id)
            if anchor is None or not self._stayed(anchor.box, box):
                anchor = _Anchor(np.array(box, np.float32), timestamp)
            anchors[track_id] = anchor
            moving = moving or timestamp - anchor.since < self.config.stationary_after_s
        self._anchors = anchors
        return moving

    def _stayed(self, anchor: npt.NDArray[np.float32], box: npt.NDArray[np.float32]) -> bool:
        """Every edge of ``box`` within tolerance of the anchor box's width or height."""
        tolerance = self.config.stationary_tolerance
        width = max(float(anchor[2] - anchor[0]), 1.0)
        height = max(float(anchor[3] - anchor[1]), 1.0)
        shift = np.abs(np.asarray(box, np.float32) - anchor)
        return bool(
            max(shift[0], shift[2]) <= tolerance * width
            and max(shift[1], shift[3]) <= tolerance * height
        )

    def _count(self, decision: GateDecision) -> GateDecision:
        self.seen += 1
        self.detected += decision.detect
        self.by_reason[decision.reason] += 1
        self._recent.append(decision.detect)
        return decision

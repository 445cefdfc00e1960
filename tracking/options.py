"""Tracker choice and tuning, independent of the implementation behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TrackerName = Literal["bytetrack", "botsort", "trackcast"]
TRACKER_NAMES: tuple[TrackerName, ...] = ("bytetrack", "botsort", "trackcast")
DEFAULT_TRACKER: TrackerName = "trackcast"


@dataclass(frozen=True, slots=True)
class TrackerOptions:
    """Association settings: ByteTrack's two-stage matching (BoT-SORT adds motion compensation).

    Attributes:
        name: Which tracker.
        frame_rate: Rate at which the tracker sees frames (source fps divided by the stride).
        high_thresh: Detections at or above this confidence take part in the first association.
        low_thresh: Detections above this (below ``high_thresh``) can only extend existing tracks.
        new_track_thresh: An unmatched detection at or above this starts a track.
        match_thresh: Largest association cost (1 - IoU, score-fused) accepted as a match.
        lost_timeout_s: How long a lost track waits to be re-found before it ends, in seconds.
        gmc_method: BoT-SORT's camera-motion compensation (``sparseOptFlow``, ``orb``, ``ecc``,
            ``none``); ignored by the others.
        smooth_boxes: ``trackcast`` only: report the Kalman-filtered box instead of the detector's.
        coast_s: ``trackcast`` only: how long a confirmed track that was missed is still reported
            at its predicted box (occlusions, missed detections), in seconds, at most
            ``lost_timeout_s``; 0 turns it off.
    """

    name: TrackerName = DEFAULT_TRACKER
    frame_rate: float = 30.0
    high_thresh: float = 0.25
    low_thresh: float = 0.1
    new_track_thresh: float = 0.25
    match_thresh: float = 0.8
    lost_timeout_s: float = 3.0
    gmc_method: str = "sparseOptFlow"
    smooth_boxes: bool = True
    coast_s: float = 0.3

    def __post_init__(self) -> None:
        if self.name not in TRACKER_NAMES:
            raise ValueError(
                f"unknown tracker {self.name!r}; choose one of {', '.join(TRACKER_NAMES)}"
            )
        if self.frame_rate <= 0:
            raise ValueError(f"frame_rate must be positive, got {self.frame_rate}")
        if self.coast_s < 0:
            raise ValueError(f"coast_s must be 0 or more, got {self.coast_s}")
        if not 0.0 <= self.low_thresh <= self.high_thresh <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= low_thresh <= high_thresh <= 1")

    @property
    def lost_timeout_frames(self) -> int:
        """``lost_timeout_s`` in processed frames, at least 1."""
        return max(1, round(self.lost_timeout_s * self.frame_rate))

"""Roboflow ``trackers`` (PyPI ``trackers==2.6.1``) as rows of the tracker benchmark.

Bench code only: trackcast's ``tracking`` package does not depend on this library. Both trackers
take ``sv.Detections`` and the true processed frame rate (``fps / N`` at detection rate 1/N), which
they use to scale ``lost_track_buffer`` (counted in 30 fps frames) to frames at this rate.

What they report: every input detection comes back (the detector's box, not a filtered one), with
``tracker_id`` -1 while its track is unconfirmed (fewer than ``minimum_consecutive_frames``
consecutive matches), for low-confidence detections no track took, and for detections that only
started a track. Their documentation calls -1 "not tracked", so those rows are dropped here.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from enum import StrEnum

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker, OCSORTTracker

Settings = dict[str, float]


class LibraryTracker(StrEnum):
    """The ``trackers`` rows, named as in the benchmark's tables."""

    BYTETRACK = "trackers-bytetrack"
    OCSORT = "trackers-ocsort"


DEFAULTS: dict[LibraryTracker, Settings] = {
    LibraryTracker.BYTETRACK: {
        "track_activation_threshold": 0.7,
        "minimum_iou_threshold": 0.1,
        "high_conf_det_threshold": 0.6,
        "minimum_consecutive_frames": 2,
        "lost_track_buffer": 30,
    },
    LibraryTracker.OCSORT: {
        "minimum_iou_threshold": 0.3,
        "high_conf_det_threshold": 0.6,
        "minimum_consecutive_frames": 3,
        "lost_track_buffer": 30,
        "direction_consistency_weight": 0.2,
        "delta_t": 3,
    },
}
"""The libraries' constructor defaults (2.6.1) for the swept parameters."""

SWEEPS: dict[LibraryTracker, dict[str, tuple[float, ...]]] = {
    LibraryTracker.BYTETRACK: {
        "track_activation_threshold": (0.3, 0.5, 0.7),
        "minimum_iou_threshold": (0.05, 0.1, 0.2, 0.3),
        "high_conf_det_threshold": (0.3, 0.45, 0.6),
        "minimum_consecutive_frames": (1, 2, 3),
        "lost_track_buffer": (30, 60, 90),
    },
    LibraryTracker.OCSORT: {
        "minimum_iou_threshold": (0.1, 0.2, 0.3),
        "high_conf_det_threshold": (0.3, 0.45, 0.6),
        "minimum_consecutive_frames": (1, 2, 3),
        "lost_track_buffer": (30, 60, 90),
        "direction_consistency_weight": (0.0, 0.2, 0.4),
        "delta_t": (1, 3),
    },
}
"""A small grid around each library's defaults, in its own parameter names."""


def grid(name: LibraryTracker) -> list[Settings]:
    """Every combination of :data:`SWEEPS` for ``name``, the defaults excluded."""
    sweep = SWEEPS[name]
    combos = [
        dict(zip(sweep, values, strict=True)) for values in itertools.product(*sweep.values())
    ]
    return [c for c in combos if c != DEFAULTS[name]]


class LibraryAdapter:
    """One ``trackers`` tracker; ``update`` returns confirmed tracks only."""

    def __init__(self, name: LibraryTracker, frame_rate: float, settings: Mapping[str, float]):
        merged = {**DEFAULTS[name], **settings}
        buffer, frames = int(merged["lost_track_buffer"]), int(merged["minimum_consecutive_frames"])
        iou, high = float(merged["minimum_iou_threshold"]), float(merged["high_conf_det_threshold"])
        self._tracker: ByteTrackTracker | OCSORTTracker
        if name is LibraryTracker.BYTETRACK:
            self._tracker = ByteTrackTracker(
                lost_track_buffer=buffer,
                frame_rate=frame_rate,
                track_activation_threshold=float(merged["track_activation_threshold"]),
                minimum_consecutive_frames=frames,
                minimum_iou_threshold=iou,
                high_conf_det_threshold=high,
            )
        else:
            self._tracker = OCSORTTracker(
                lost_track_buffer=buffer,
                frame_rate=frame_rate,
                minimum_consecutive_frames=frames,
                minimum_iou_threshold=iou,
                direction_consistency_weight=float(merged["direction_consistency_weight"]),
                high_conf_det_threshold=high,
                delta_t=int(merged["delta_t"]),
            )

    def update(self, detections: sv.Detections) -> sv.Detections:
        tracked = self._tracker.update(detections)
        confirmed = tracked.tracker_id if tracked.tracker_id is not None else np.array([], int)
        result = tracked[confirmed >= 0]
        assert isinstance(result, sv.Detections)
        return result

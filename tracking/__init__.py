"""Multi-object trackers: per-frame ``Detections`` in, the same with ``tracker_id`` set out."""

from tracking.base import Tracker
from tracking.factory import create_tracker
from tracking.options import DEFAULT_TRACKER, TRACKER_NAMES, TrackerName, TrackerOptions

__all__ = [
    "DEFAULT_TRACKER",
    "TRACKER_NAMES",
    "Tracker",
    "TrackerName",
    "TrackerOptions",
    "create_tracker",
]

"""Create the tracker an options object names."""

from __future__ import annotations

from tracking.base import Tracker
from tracking.options import TrackerOptions
from tracking.trackcast_tracker import TrackcastTracker
from tracking.ultralytics_trackers import UltralyticsTracker


def create_tracker(options: TrackerOptions) -> Tracker:
    """A new, independent tracker for one stream."""
    if options.name == "trackcast":
        return TrackcastTracker(options)
    return UltralyticsTracker(options)

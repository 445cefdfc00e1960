"""Analysis of tracked frames: track lifecycle, line crossings, zones, heatmaps and counts."""

from analytics.base import Analyser
from analytics.counts import CountBuckets, CountRow
from analytics.heatmap import Heatmap
from analytics.lines import LineCrossing
from analytics.track_lifecycle import ActiveTrack, TrackLifecycle
from analytics.zones import ZoneMonitor

__all__ = [
    "ActiveTrack",
    "Analyser",
    "CountBuckets",
    "CountRow",
    "Heatmap",
    "LineCrossing",
    "TrackLifecycle",
    "ZoneMonitor",
]

"""Helpers shared by the tracker tests."""

from __future__ import annotations

import supervision as sv


def ids(detections: sv.Detections) -> list[int]:
    """The tracker ids of tracked detections, which always have them."""
    assert detections.tracker_id is not None
    return [int(i) for i in detections.tracker_id]

"""Multi-object trackers: per-frame ``Detections`` in, the same with ``tracker_id`` set out.

The options import nothing heavy; the trackers (numpy, scipy, supervision, ultralytics) are
imported on first use, so that ``trackcast --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from tracking.options import DEFAULT_TRACKER, TRACKER_NAMES, TrackerName, TrackerOptions

if TYPE_CHECKING:
    from tracking.base import Tracker
    from tracking.factory import create_tracker

_LAZY = {"Tracker": "tracking.base", "create_tracker": "tracking.factory"}


def __getattr__(name: str) -> object:
    """Import the trackers when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_TRACKER",
    "TRACKER_NAMES",
    "Tracker",
    "TrackerName",
    "TrackerOptions",
    "create_tracker",
]

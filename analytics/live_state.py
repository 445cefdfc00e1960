"""A camera's live line and zone state, as plain data: what the API shows of its analysers.

Plain data, so that in cluster mode the node that runs the camera can send it to an API process
(the analysers themselves hold locks and per-track state, and stay on the node).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analytics.base import Analyser
from analytics.heatmap import Heatmap
from analytics.lines import LineCrossing
from analytics.zones import ZoneMonitor


@dataclass(frozen=True, slots=True)
class LineCounts:
    name: str
    counts: dict[str, dict[str, int]]
    """Direction name → class name → crossings since the camera started."""


@dataclass(frozen=True, slots=True)
class ZoneOccupancy:
    name: str
    occupancy: dict[str, int]
    """Class name → tracks inside now."""


@dataclass(frozen=True, slots=True)
class LiveState:
    lines: tuple[LineCounts, ...]
    zones: tuple[ZoneOccupancy, ...]


def live_state(analysers: Sequence[Analyser]) -> LiveState:
    return LiveState(
        lines=tuple(
            LineCounts(a.line.name, a.counts()) for a in analysers if isinstance(a, LineCrossing)
        ),
        zones=tuple(
            ZoneOccupancy(a.zone.name, a.occupancy())
            for a in analysers
            if isinstance(a, ZoneMonitor)
        ),
    )


def heatmap_png(
    analysers: Sequence[Analyser], background: npt.NDArray[np.uint8] | None
) -> bytes | None:
    """The camera's heatmap as PNG (over ``background`` if given); None if it keeps none."""
    found = [a for a in analysers if isinstance(a, Heatmap)]
    return found[0].render_png(background) if found else None

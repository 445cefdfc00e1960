"""The tracker port: detections of one frame in, the same detections with ``tracker_id`` out.

One tracker instance follows one stream. Track ids start at 1 per instance and are never reused
within it; instances share no state, so many cameras can be tracked in one process.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import numpy.typing as npt
import supervision as sv

Image = npt.NDArray[np.uint8]


class Tracker(ABC):
    """Associates detections over consecutive processed frames of one stream."""

    @abstractmethod
    def update(
        self,
        detections: sv.Detections,
        image: Image | None = None,
        timestamp: float | None = None,
    ) -> sv.Detections:
        """Return the tracked subset of ``detections`` with ``tracker_id`` set.

        ``image`` is the frame the detections came from; trackers that compensate camera motion use
        it, others ignore it. ``timestamp`` is the frame's time in seconds (stream or wall clock);
        trackers that model motion over real time use the gaps between timestamps instead of
        assuming ``frame_rate``, others ignore it.
        """

    @abstractmethod
    def reset(self) -> None:
        """Forget every track; ids start again at 1."""

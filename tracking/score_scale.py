"""How confident a stream's detector is at its best, so that its scores weigh overlaps fairly.

ByteTrack weights each overlap by the detection's score (``fuse_score``), which assumes a
detector whose clear detections score near 1. Detectors differ: ``person-yolov8s`` scores the
clearest people of vtest.avi 0.5 to 0.6 at 640 px and about 0.3 at 320 px, so a walking person
needed an overlap of 0.4 to 0.7 with their prediction to stay matched, and tracks broke every
few frames (ids per minute and hand-overs in ``bench.vtest_fragmentation``). :class:`ScoreScale`
measures the stream's own scale and lifts its scores so that its confident detections weigh
like a well-calibrated detector's; one whose confident detections already score
:data:`FULL_SCORE` or more is left as it is.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

FULL_SCORE = 0.9
"""What a confident detection of a well-calibrated detector scores."""
CONFIDENT_QUANTILE = 0.9
"""The stream's confident detections: this quantile of its recent scores."""
HISTORY = 1000
"""Recent scores (at or above the tracker's high threshold) the quantile is taken over."""


class ScoreScale:
    """The factor that brings a stream's confident scores up to :data:`FULL_SCORE`, at least 1."""

    def __init__(self) -> None:
        self._recent = np.zeros(HISTORY)
        self._count = 0
        self.factor = 1.0

    def observe(self, scores: FloatArray) -> None:
        """Take in one frame's scores (those at or above the high threshold)."""
        scores = scores[-HISTORY:]
        if len(scores) == 0:
            return
        slots = (self._count + np.arange(len(scores))) % HISTORY
        self._recent[slots] = scores
        self._count += len(scores)
        confident = float(
            np.quantile(self._recent[: min(self._count, HISTORY)], CONFIDENT_QUANTILE)
        )
        self.factor = FULL_SCORE / min(max(confident, 1e-6), FULL_SCORE)

    def weights(self, scores: FloatArray) -> FloatArray:
        """``scores`` lifted by the factor, at most 1: the weights of their overlaps."""
        return np.minimum(1.0, scores * self.factor)

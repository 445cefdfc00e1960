"""Frames of the user's own footage to calibrate an INT8 model on, never downloaded data.

A file job takes them from the video it tracks (or ``--calibrate PATH``), spread over its first
minute so that a scene's quiet and busy moments both count. A live camera collects them from its
own stream as it runs (:class:`CalibrationCollector`).
"""

from __future__ import annotations

import itertools
import math
import threading

from detectors.base import Image
from stream import VideoSource

SPREAD_S = 60.0
"""Calibration frames are spread over at most this much of the footage."""


def calibration_frames(source: str, count: int, spread_s: float = SPREAD_S) -> list[Image]:
    """Up to ``count`` frames of ``source`` (file or URL), evenly spaced over its first
    ``spread_s`` seconds (or the whole of a shorter file)."""
    with VideoSource(source) as video:
        info = video.info
        span = info.fps * spread_s
        if info.frame_count:
            span = min(span, info.frame_count)
        step = max(1, math.floor(span / count))
        picked = itertools.islice(video.frames(), 0, step * count, step)
        return [frame.image for frame in picked]


class CalibrationCollector:
    """Keeps every ``step``-th frame offered until it holds ``count``; thread-safe."""

    def __init__(self, count: int, step: int = 3) -> None:
        self.count = count
        self._step = max(1, step)
        self._offered = 0
        self._frames: list[Image] = []
        self._lock = threading.Lock()

    def offer(self, image: Image) -> bool:
        """Keep ``image`` if it is due; True once the collection is complete."""
        with self._lock:
            if len(self._frames) < self.count and self._offered % self._step == 0:
                self._frames.append(image)
            self._offered += 1
            return len(self._frames) >= self.count

    @property
    def collected(self) -> int:
        with self._lock:
            return len(self._frames)

    def frames(self) -> list[Image]:
        with self._lock:
            return list(self._frames)

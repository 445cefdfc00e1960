"""ByteTrack and BoT-SORT from ultralytics, behind the :class:`tracking.base.Tracker` port.

ultralytics' trackers read detections through a small duck type (``conf``, ``cls``, ``xywh``,
``xyxy``, ``len`` and boolean indexing) and answer rows of ``[x1, y1, x2, y2, track_id, score, cls,
idx]``, where ``idx`` indexes the input. The output keeps the detector's own boxes and every
``data`` column, and adds ``tracker_id``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import supervision as sv

from tracking.base import Image, Tracker
from tracking.options import TrackerOptions

FloatArray = npt.NDArray[np.float32]


class _DetectionArrays:
    """The view of a ``Detections`` that ultralytics' trackers accept."""

    def __init__(self, xyxy: FloatArray, conf: FloatArray, cls: FloatArray) -> None:
        self.xyxy = xyxy
        self.conf = conf
        self.cls = cls

    @classmethod
    def of(cls, detections: sv.Detections) -> Self:
        n = len(detections)
        conf = detections.confidence if detections.confidence is not None else np.ones(n)
        class_id = detections.class_id if detections.class_id is not None else np.zeros(n)
        return cls(
            detections.xyxy.astype(np.float32).reshape(-1, 4),
            conf.astype(np.float32),
            class_id.astype(np.float32),
        )

    @property
    def xywh(self) -> FloatArray:
        wh = self.xyxy[:, 2:] - self.xyxy[:, :2]
        return np.concatenate([self.xyxy[:, :2] + wh / 2, wh], axis=1)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index: Any) -> _DetectionArrays:
        return _DetectionArrays(self.xyxy[index], self.conf[index], self.cls[index])


class UltralyticsTracker(Tracker):
    """ByteTrack (``name="bytetrack"``) or BoT-SORT (``name="botsort"``, no ReID)."""

    def __init__(self, options: TrackerOptions) -> None:
        self.options = options
        self._tracker = _build(options)

    def update(
        self,
        detections: sv.Detections,
        image: Image | None = None,
        timestamp: float | None = None,
    ) -> sv.Detections:
        rows = np.asarray(self._tracker.update(_DetectionArrays.of(detections), img=image))
        if len(rows) == 0:
            rows = np.zeros((0, 8), dtype=np.float32)
        tracked = detections[rows[:, 7].astype(int)]
        assert isinstance(tracked, sv.Detections)
        tracked.tracker_id = rows[:, 4].astype(int)
        return tracked

    def reset(self) -> None:
        self._tracker.reset()


def _build(options: TrackerOptions) -> Any:
    from ultralytics.trackers.bot_sort import BOTSORT
    from ultralytics.trackers.byte_tracker import BYTETracker

    args = SimpleNamespace(
        tracker_type=options.name,
        track_high_thresh=options.high_thresh,
        track_low_thresh=options.low_thresh,
        new_track_thresh=options.new_track_thresh,
        track_buffer=options.lost_timeout_frames,
        match_thresh=options.match_thresh,
        fuse_score=True,
        gmc_method=None if options.gmc_method == "none" else options.gmc_method,
        proximity_thresh=0.5,
        appearance_thresh=0.8,
        with_reid=False,
        model="auto",
    )
    if options.name == "botsort":
        return BOTSORT(args)
    return BYTETracker(args)

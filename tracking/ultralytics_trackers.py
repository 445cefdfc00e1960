"""ByteTrack and BoT-SORT from ultralytics, behind the :class:`tracking.base.Tracker` port.

ultralytics' trackers read detections through a small duck type (``conf``, ``cls``, ``xywh``,
``xyxy``, ``len`` and boolean indexing) and answer rows of ``[x1, y1, x2, y2, track_id, score, cls,
idx]``, where ``idx`` indexes the input. The output is what ultralytics' own ``model.track``
reports: each track's box from its Kalman filter (the row's corners, not the detector's box) and
the matched detection's confidence and class (which are the row's ``score`` and ``cls``), the box
clipped to the frame when the frame is given (ultralytics clips to the image it tracks on). It
keeps every ``data`` column of that detection and adds ``tracker_id``.

Between updates, ``predict`` moves each shown track's Kalman mean (an ``STrack``'s ``mean``) along
its velocity. Their filters step once per ``update`` and ignore timestamps, so the elapsed time is
counted in processed frames at ``frame_rate``. BoT-SORT's camera-motion compensation needs the
next image, so predictions assume a still camera.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import supervision as sv

from tracking.base import Image, Tracker, moved, unmoved
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
        self._last_timestamp: float | None = None
        self._shown: sv.Detections | None = None
        self._frame_size: tuple[int, int] | None = None
        """The last frame's height and width, which boxes are clipped to; None: no frame seen."""

    def update(
        self,
        detections: sv.Detections,
        image: Image | None = None,
        timestamp: float | None = None,
    ) -> sv.Detections:
        self._last_timestamp = timestamp
        if image is not None:
            self._frame_size = (image.shape[0], image.shape[1])
        rows = np.asarray(self._tracker.update(_DetectionArrays.of(detections), img=image))
        if len(rows) == 0:
            rows = np.zeros((0, 8), dtype=np.float32)
        tracked = detections[rows[:, 7].astype(int)]
        assert isinstance(tracked, sv.Detections)
        tracked.xyxy = self._clipped(rows[:, :4]).astype(detections.xyxy.dtype)
        tracked.tracker_id = rows[:, 4].astype(int)
        self._shown = tracked
        return tracked

    def reset(self) -> None:
        self._tracker.reset()
        self._last_timestamp = None
        self._shown = None
        self._frame_size = None

    def predict(self, timestamp: float | None = None) -> sv.Detections:
        """The last update's tracks with their filter's boxes moved on to ``timestamp``.

        These are the boxes :meth:`update` reported, moved along each track's velocity; nothing
        moves without timestamps (see :meth:`Tracker.predict`).
        """
        tracks = unmoved(self._shown)
        if len(tracks) == 0:
            return tracks
        steps = 0.0
        if timestamp is not None and self._last_timestamp is not None:
            steps = max(0.0, (timestamp - self._last_timestamp) * self.options.frame_rate)
        by_id = {t.track_id: t for t in self._tracker.tracked_stracks}
        assert tracks.tracker_id is not None
        boxes = np.array([_moved(by_id[int(i)], steps) for i in tracks.tracker_id])
        return moved(tracks, self._clipped(boxes.reshape(-1, 4)))

    def _clipped(self, xyxy: FloatArray) -> FloatArray:
        """Corners inside the last frame, as ultralytics' ``Results.update`` clips them."""
        if self._frame_size is None:
            return xyxy
        height, width = self._frame_size
        return np.clip(xyxy, 0, np.array([width, height, width, height], dtype=xyxy.dtype))


def _moved(track: Any, steps: float) -> FloatArray:
    """An ``STrack``'s box after ``steps`` constant-velocity frames; the track is not changed.

    The first four state entries are the box (centre, then aspect and height or width and height
    by tracker), the last four their velocities; the track's class turns them into corners.
    """
    moved = copy.copy(track)
    moved.mean = track.mean.copy()
    moved.mean[:4] += steps * track.mean[4:]
    return np.asarray(moved.xyxy, dtype=np.float32)


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

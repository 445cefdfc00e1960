"""The tracker port: detections of one frame in, the same detections with ``tracker_id`` out.

One tracker instance follows one stream. Track ids start at 1 per instance and are never reused
within it; instances share no state, so many cameras can be tracked in one process.

Between two updates (frames a stride or a motion gate skips) a tracker is asked where its tracks
are now: :meth:`Tracker.predict`. A tracker without a motion model answers with its last output,
unmoved (:func:`unmoved`); one that moves the boxes moves their outlines along (:func:`moved`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import numpy.typing as npt
import supervision as sv

Image = npt.NDArray[np.uint8]

OUTLINE = "polygon"
"""The ``data`` column of a segmentation model's outlines (``detectors.segments.POLYGON``): one
``(k, 2)`` array of pixel corners per row. Predictions move them with their boxes."""


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

    @abstractmethod
    def predict(self, timestamp: float | None = None) -> sv.Detections:
        """The tracks the last ``update`` returned, with their boxes moved to ``timestamp``.

        For frames between detections: same rows, ids and columns (``class_id``, ``confidence``,
        ``data``) as that update's output, from a frame that was not analysed. It changes no
        state: the next ``update`` returns exactly what it would have without this call. The
        elapsed time counts from the last update's ``timestamp``; without either timestamp, or
        when ``timestamp`` is not later, nothing moves. No tracks before the first update.
        A tracker without a motion model returns :func:`unmoved` of its last output.
        """


def unmoved(shown: sv.Detections | None) -> sv.Detections:
    """A copy of a tracker's last output (``None``: no update yet), to predict without moving."""
    if shown is None:
        return _no_tracks()
    copy = shown[np.arange(len(shown))]
    assert isinstance(copy, sv.Detections)
    return copy


def _no_tracks() -> sv.Detections:
    tracks = sv.Detections.empty()
    tracks.tracker_id = np.array([], dtype=int)
    return tracks


def moved(tracks: sv.Detections, xyxy: npt.NDArray[np.floating[Any]]) -> sv.Detections:
    """``tracks`` (a copy the caller owns) at the predicted boxes ``xyxy``, each row's outline
    (if the detector gave outlines) shifted by the move of its box's centre."""
    xyxy = xyxy.astype(tracks.xyxy.dtype).reshape(-1, 4)
    outlines = tracks.data.get(OUTLINE)
    if outlines is not None:
        shift = np.rint(
            ((xyxy[:, :2] + xyxy[:, 2:]) - (tracks.xyxy[:, :2] + tracks.xyxy[:, 2:])) / 2
        )
        tracks.data[OUTLINE] = [
            np.asarray(o) + shift[i].astype(np.asarray(o).dtype) for i, o in enumerate(outlines)
        ]
    tracks.xyxy = xyxy
    return tracks

"""The tracker port: detections of one frame in, the same detections with ``tracker_id`` out.

One tracker instance follows one stream. Track ids start at 1 per instance and are never reused
within it; instances share no state, so many cameras can be tracked in one process.

Between two updates (frames a stride skips) a tracker can be asked where its tracks are now:
:meth:`Tracker.predict`. A tracker that has no motion model needs to do
nothing for it: the port remembers what each ``update`` returned and by default answers that.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import supervision as sv

Image = npt.NDArray[np.uint8]
Update = Callable[..., sv.Detections]


class Tracker(ABC):
    """Associates detections over consecutive processed frames of one stream."""

    _shown: sv.Detections | None = None
    """What the last ``update`` returned; ``None`` before the first one and after ``reset``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make every ``update`` remember its output and every ``reset`` forget it.

        This is what lets :meth:`predict`'s default work for trackers written without it.
        """
        super().__init_subclass__(**kwargs)
        # setattr: mypy forbids assigning to a method, which is the point here
        if "update" in cls.__dict__:
            setattr(cls, "update", _remembering(cls.__dict__["update"]))  # noqa: B010
        if "reset" in cls.__dict__:
            setattr(cls, "reset", _forgetting(cls.__dict__["reset"]))  # noqa: B010

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

    def predict(self, timestamp: float | None = None) -> sv.Detections:
        """The tracks the last ``update`` returned, with their boxes moved to ``timestamp``.

        For frames between detections: same rows, ids and columns (``class_id``, ``confidence``,
        ``data``) as that update's output, from a frame that was not analysed. It changes no
        state: the next ``update`` returns exactly what it would have without this call. The
        elapsed time counts from the last update's ``timestamp``; without either timestamp, or
        when ``timestamp`` is not later, nothing moves.

        This default has no motion model: it returns a copy of the last update's output,
        unmoved (no tracks before the first update). Trackers with a filter override it.
        """
        shown = self._shown
        if shown is None:
            return _no_tracks()
        copy = shown[np.arange(len(shown))]
        assert isinstance(copy, sv.Detections)
        return copy


def _remembering(update: Update) -> Update:
    @functools.wraps(update)
    def remembering(
        self: Tracker,
        detections: sv.Detections,
        image: Image | None = None,
        timestamp: float | None = None,
    ) -> sv.Detections:
        tracks = update(self, detections, image, timestamp)
        self._shown = tracks
        return tracks

    return remembering


def _forgetting(reset: Callable[[Tracker], None]) -> Callable[[Tracker], None]:
    @functools.wraps(reset)
    def forgetting(self: Tracker) -> None:
        reset(self)
        self._shown = None

    return forgetting


def _no_tracks() -> sv.Detections:
    tracks = sv.Detections.empty()
    tracks.tracker_id = np.array([], dtype=int)
    return tracks

"""The detector port: frames in, one ``supervision.Detections`` per frame out.

Every backend fills ``xyxy`` (pixels of the input frame), ``confidence``, ``class_id`` and
``data["class_name"]``. Backends may add per-box attributes to ``data`` (``posture`` for the bundled
person model). Nothing here knows about video sources, trackers or the API.

Beyond :meth:`Detector.detect`, a caller that wants throughput can keep work in flight:
:meth:`Detector.submit` starts detection and returns at once where the backend can run
asynchronously, so the caller decodes, tracks and writes while inference runs. Backends that
export and compile per stream shape do that work in :meth:`Detector.prepare`, which the caller
may run ahead of time (with frames of its own footage when INT8 needs calibrating).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import supervision as sv
from supervision.config import CLASS_NAME_DATA_FIELD

Image = npt.NDArray[np.uint8]
"""Height x width x 3, BGR, uint8."""

Size = tuple[int, int]
"""(height, width) of a frame, in pixels."""

CLASS_NAME = CLASS_NAME_DATA_FIELD
"""Key of ``Detections.data`` holding each box's class name (the supervision convention)."""


class PendingDetections(ABC):
    """Detection started by :meth:`Detector.submit`."""

    @abstractmethod
    def result(self) -> list[sv.Detections]:
        """Wait for the detections, one per submitted frame, in order. Call once."""

    def done(self) -> bool:
        """True once :meth:`result` would not wait (callers may poll it)."""
        return True


class Finished(PendingDetections):
    """Detections that were ready when submitted."""

    def __init__(self, detections: list[sv.Detections]) -> None:
        self._detections = detections

    def result(self) -> list[sv.Detections]:
        return self._detections


class Detector(ABC):
    """Detects objects in batches of BGR images."""

    @property
    @abstractmethod
    def class_names(self) -> Mapping[int, str]:
        """Class id to class name, for every class this detector can report."""

    @abstractmethod
    def detect(self, frames: Sequence[Image]) -> list[sv.Detections]:
        """Return one ``Detections`` per frame, in order. An empty batch gives an empty list."""

    def submit(self, frames: Sequence[Image]) -> PendingDetections:
        """Start detecting ``frames``; the default runs :meth:`detect` before returning."""
        return Finished(self.detect(frames))

    @property
    def max_in_flight(self) -> int:
        """How many submissions can usefully run at once (1: no gain from overlapping)."""
        return 1

    def plan(self, in_flight: int) -> None:  # noqa: B027 - optional hook
        """The caller will keep up to ``in_flight`` submissions running: 1 asks for the lowest
        latency per frame, more for the highest throughput."""

    @property
    def calibration_frames_wanted(self) -> int:
        """Frames :meth:`prepare` would calibrate on; 0 when nothing needs calibrating."""
        return 0

    def prepare(self, frame_size: Size, calibration: Sequence[Image] = ()) -> None:  # noqa: B027
        """Get ready for frames of ``frame_size``: export, calibrate and compile now instead of
        on the first :meth:`detect` (which does it when needed). May take a minute on first use."""

    def describe(self) -> str:
        """What runs, for logs and health: backend and precision, e.g. ``openvino int8``."""
        return type(self).__name__

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to release
        """Release what the backend holds (sessions, GPU memory, threads)."""


def empty_detections() -> sv.Detections:
    """A ``Detections`` with no boxes that still carries the ``class_name`` column."""
    detections = sv.Detections.empty()
    detections.data[CLASS_NAME] = np.array([], dtype=str)
    return detections

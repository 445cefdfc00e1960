"""The detector port: frames in, one ``supervision.Detections`` per frame out.

Every backend fills ``xyxy`` (pixels of the input frame), ``confidence``, ``class_id`` and
``data["class_name"]``. Backends may add per-box attributes to ``data`` (``posture`` for the bundled
person model). Nothing here knows about video sources, trackers or the API.
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

CLASS_NAME = CLASS_NAME_DATA_FIELD
"""Key of ``Detections.data`` holding each box's class name (the supervision convention)."""


class Detector(ABC):
    """Detects objects in batches of BGR images."""

    @property
    @abstractmethod
    def class_names(self) -> Mapping[int, str]:
        """Class id to class name, for every class this detector can report."""

    @abstractmethod
    def detect(self, frames: Sequence[Image]) -> list[sv.Detections]:
        """Return one ``Detections`` per frame, in order. An empty batch gives an empty list."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to release
        """Release what the backend holds (sessions, GPU memory)."""


def empty_detections() -> sv.Detections:
    """A ``Detections`` with no boxes that still carries the ``class_name`` column."""
    detections = sv.Detections.empty()
    detections.data[CLASS_NAME] = np.array([], dtype=str)
    return detections

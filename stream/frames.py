"""The frame record that flows from a source through detection and tracking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BgrImage = npt.NDArray[np.uint8]
"""An image as OpenCV and ultralytics expect it: height x width x 3, BGR, uint8."""


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One decoded frame and where it came from.

    Attributes:
        image: The pixels, BGR.
        index: Sequence number within its source, from 0, counting every decoded frame.
        pts: Presentation time in seconds, or None when the container gives none.
        received_at: Wall-clock time (``time.time()``) at which the frame was decoded.
        source_id: The camera or file this frame belongs to.
    """

    image: BgrImage
    index: int
    pts: float | None
    received_at: float
    source_id: str

    @property
    def timestamp(self) -> float:
        """The frame's time in seconds: ``pts``, or ``received_at`` when the container has none."""
        return self.pts if self.pts is not None else self.received_at

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

"""Real frames for detector tests."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt

from stream import VideoSource


def first_frames(path: Path, count: int) -> list[npt.NDArray[np.uint8]]:
    with VideoSource(str(path)) as source:
        return [frame.image for frame in itertools.islice(source.frames(), count)]

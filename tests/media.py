"""Generated test media: clips whose content is known exactly."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SQUARE = 40


def square_position(index: int) -> tuple[int, int]:
    """Top-left corner of the square in frame ``index``."""
    return 20 + 8 * index, 60


def write_moving_square_clip(
    path: Path, *, frames: int, width: int = 320, height: int = 240, fps: int = 10
) -> None:
    """Encode an H.264 MP4 in which a white square moves 8 px right per frame."""
    write_square_clip(path, [square_position(i) for i in range(frames)], width, height, fps)


def write_square_clip(
    path: Path,
    positions: list[tuple[int, int]],
    width: int = 320,
    height: int = 240,
    fps: int = 10,
) -> None:
    """Encode an H.264 MP4 with a white square whose top-left corner is at ``positions[i]`` in
    frame ``i``."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": "5"}
        for x, y in positions:
            image = np.zeros((height, width, 3), dtype=np.uint8)
            image[y : y + SQUARE, x : x + SQUARE] = 255
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))

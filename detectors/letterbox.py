"""Fit a frame into a model input of the stream's own aspect, and map boxes back.

A square 640x640 input wastes 40 % of the work on 16:9 video (grey bars). Exported models here
take any input size that is a multiple of the network stride, so each stream gets the smallest
input of its own aspect whose longer side is ``imgsz``: 384x640 for 1280x720, 480x640 for
768x576. The geometry is ultralytics' ``LetterBox`` (bilinear resize, grey 114 padding split
evenly, rounded the same way), so boxes match the PyTorch backend's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from detectors.base import Size

STRIDE = 32
"""YOLO networks downsample by 32: input sides must be multiples of it."""
PAD_VALUE = 114


def input_size(frame: Size, imgsz: int, stride: int = STRIDE) -> Size:
    """The model input for frames of size ``frame``: longer side ``imgsz``, same aspect, padded
    up to a multiple of ``stride``."""
    height, width = frame
    if height < 1 or width < 1:
        raise ValueError(f"frame size must be positive, got {height}x{width}")
    scale = imgsz / max(height, width)
    return (
        max(stride, math.ceil(round(height * scale) / stride) * stride),
        max(stride, math.ceil(round(width * scale) / stride) * stride),
    )


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How frames of one size are scaled and padded into one model input size."""

    frame: Size
    input: Size

    @property
    def scale(self) -> float:
        return min(self.input[0] / self.frame[0], self.input[1] / self.frame[1])

    @property
    def resized(self) -> Size:
        return round(self.frame[0] * self.scale), round(self.frame[1] * self.scale)

    @property
    def offset(self) -> Size:
        """Padding above and left of the picture, in input pixels."""
        height, width = self.resized
        return (
            round((self.input[0] - height) / 2 - 0.1),
            round((self.input[1] - width) / 2 - 0.1),
        )

    def apply(self, image: npt.NDArray[np.uint8], out: npt.NDArray[np.uint8]) -> None:
        """Write ``image`` (BGR, ``frame`` sized) into ``out`` (input-sized HxWx3), padded."""
        if image.shape[:2] != self.frame:
            raise ValueError(f"expected a {self.frame} frame, got {image.shape[:2]}")
        height, width = self.resized
        top, left = self.offset
        if (top, left) != (0, 0) or (height, width) != self.input:
            out[...] = PAD_VALUE
        target = out[top : top + height, left : left + width]
        if (height, width) == self.frame:
            target[...] = image
        else:
            target[...] = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)

    def to_frame(self, xyxy: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Boxes in input pixels to boxes in frame pixels, clipped to the frame."""
        top, left = self.offset
        boxes = (xyxy - np.array([left, top, left, top], dtype=np.float32)) / self.scale
        limits = np.array(
            [self.frame[1], self.frame[0], self.frame[1], self.frame[0]], dtype=np.float32
        )
        clipped: npt.NDArray[np.float32] = np.clip(boxes, 0, limits).astype(np.float32)
        return clipped

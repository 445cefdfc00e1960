"""Cheap motion detection for one camera: what changed against a running-average background.

The frame is shrunk to ``frame_height`` rows (bilinear: on a 1280x720 frame it costs a tenth of
what area averaging does, and the blur that follows removes the noise it keeps), turned grey and
blurred, then compared with the background (``cv2.accumulateWeighted``). Pixels that changed by
more than ``threshold`` are dilated so that the parts of one object join up; each outer contour of
at least ``min_area`` of the frame becomes a region, scaled back to full-frame pixels.

The first frame, a frame of a new size, and a global change (more than ``global_change`` of the
frame moving at once: lights, an IR switch, auto-exposure) re-seed the background with the frame
itself and are reported as motion over the whole frame, once; the next frame is compared with the
new background instead of showing "everything moves" until the average catches up.

The average forgets at ``background_alpha`` per frame: an object that stops, or the place an
object rested before it left, stays "moving" for about ln(contrast / threshold) / alpha frames
(~30 frames, 3 s at 10 fps, with the defaults), about as long as ``stationary_after_s``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from config.motion import MotionConfig

Image = npt.NDArray[np.uint8]

_BLUR = (5, 5)
_DILATE = np.ones((3, 3), np.uint8)
_DILATE_ITERATIONS = 1


@dataclass(frozen=True, eq=False)
class Motion:
    """What moved in one frame."""

    regions: npt.NDArray[np.float32]
    """N x 4 boxes (x1, y1, x2, y2) in full-frame pixels; the whole frame when ``reseeded``."""
    area_fraction: float
    """Changed pixels over all pixels, before dilation and the ``min_area`` filter."""
    moving: bool
    """True when there is at least one region."""
    reseeded: bool = False
    """The background was (re)started from this frame: first frame, new size or global change."""


class MotionDetector:
    """Motion in one camera's frames. One per camera; not thread-safe (call from one thread)."""

    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = config or MotionConfig()
        self._background: npt.NDArray[np.float32] | None = None
        self._frame_size: tuple[int, int] = (0, 0)
        self._small_size: tuple[int, int] = (0, 0)

    def reset(self) -> None:
        """Forget the background: the next frame is treated as the first."""
        self._background = None
        self._frame_size = (0, 0)

    def update(self, image: Image) -> Motion:
        """Compare ``image`` (BGR, or grey H x W, uint8) with the background, then update it."""
        height, width = image.shape[:2]
        if (width, height) != self._frame_size:
            self._start(width, height)
        grey = self._grey(image)
        if self._background is None:
            return self._reseed(grey, area_fraction=1.0)
        delta = cv2.absdiff(grey, cv2.convertScaleAbs(self._background))
        _, thresholded = cv2.threshold(delta, self.config.threshold, 255, cv2.THRESH_BINARY)
        mask = np.asarray(thresholded, np.uint8)
        area_fraction = cv2.countNonZero(mask) / mask.size
        if area_fraction > self.config.global_change:
            return self._reseed(grey, area_fraction)
        cv2.accumulateWeighted(grey, self._background, self.config.background_alpha)
        regions = self._regions(mask) if area_fraction else np.zeros((0, 4), np.float32)
        return Motion(regions, area_fraction, moving=len(regions) > 0)

    def _start(self, width: int, height: int) -> None:
        small_height = max(1, min(self.config.frame_height, height))
        small_width = max(1, round(width * small_height / height))
        self._frame_size = (width, height)
        self._small_size = (small_width, small_height)
        self._background = None

    def _grey(self, image: Image) -> Image:
        if image.shape[1::-1] != self._small_size:
            resized = cv2.resize(image, self._small_size, interpolation=cv2.INTER_LINEAR)
            image = np.asarray(resized, np.uint8)
        if image.ndim == 3:
            image = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)
        return np.asarray(cv2.GaussianBlur(image, _BLUR, 0), np.uint8)

    def _reseed(self, grey: Image, area_fraction: float) -> Motion:
        self._background = grey.astype(np.float32)
        width, height = self._frame_size
        whole = np.array([[0, 0, width, height]], np.float32)
        return Motion(whole, area_fraction, moving=True, reseeded=True)

    def _regions(self, mask: Image) -> npt.NDArray[np.float32]:
        dilated = cv2.dilate(mask, _DILATE, iterations=_DILATE_ITERATIONS)
        contours, _ = cv2.findContours(dilated, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        min_area = self.config.min_area * mask.size
        boxes = [cv2.boundingRect(c) for c in contours if cv2.contourArea(c) >= min_area]
        if not boxes:
            return np.zeros((0, 4), np.float32)
        xywh = np.array(boxes, np.float32)
        xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        width, height = self._frame_size
        scale = np.array([width, height, width, height], np.float32) / np.array(
            [*self._small_size, *self._small_size], np.float32
        )
        return np.minimum(xyxy * scale, np.array([width, height, width, height], np.float32))

"""A real, tiny detector for generated media: bright blobs are objects of class ``square``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np
import supervision as sv

from config import DetectorConfig
from detectors.base import Detector, Image


class BrightBlobDetector(Detector):
    """Boxes every connected region brighter than 128; counts how many frames it was shown."""

    def __init__(self) -> None:
        self.frames_seen = 0
        self.batches: list[int] = []

    @property
    def class_names(self) -> Mapping[int, str]:
        return {0: "square"}

    def detect(self, frames: Sequence[Image]) -> list[sv.Detections]:
        self.frames_seen += len(frames)
        self.batches.append(len(frames))
        return [self._detect_one(frame) for frame in frames]

    def _detect_one(self, frame: Image) -> sv.Detections:
        mask = (cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) > 128).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        boxes = [cv2.boundingRect(c) for c in contours]
        xyxy = np.array([[x, y, x + w, y + h] for x, y, w, h in boxes], dtype=np.float32)
        return sv.Detections(
            xyxy=xyxy.reshape(-1, 4),
            confidence=np.full(len(boxes), 0.9, dtype=np.float32),
            class_id=np.zeros(len(boxes), dtype=int),
            data={"class_name": np.array(["square"] * len(boxes), dtype=str)},
        )


class HeavyBlobDetector(BrightBlobDetector):
    """A :class:`BrightBlobDetector` that holds ``ballast_mb`` of memory, as a model's weights do,
    so that a detector still referenced shows in the process's resident memory."""

    def __init__(self, ballast_mb: int = 50) -> None:
        super().__init__()
        self.ballast = np.ones(ballast_mb * 1024 * 1024, dtype=np.uint8)  # pages touched


def bright_blobs(_: DetectorConfig) -> Detector:
    """A detector factory for services and clusters (importable on Ray workers)."""
    return BrightBlobDetector()

"""Backend for Darknet YOLO (v3/v4, tiny or full) cfg/weights through OpenCV DNN.

OpenCV 5 removed the Darknet importer, so the project pins OpenCV 4.x. OpenCV's YOLO output rows are
``[cx, cy, w, h, objectness, class scores...]`` in input-relative units, class scores already
multiplied by objectness.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.base import CLASS_NAME, Detector, Image, empty_detections
from detectors.errors import ModelError

DEFAULT_IMGSZ = 416

FloatArray = npt.NDArray[np.float32]


class DarknetDetector(Detector):
    """Runs a Darknet YOLO network with OpenCV DNN on the CPU."""

    def __init__(
        self,
        cfg: Path,
        weights: Path,
        names: Path,
        *,
        imgsz: int | None = None,
        conf: float,
        iou: float,
    ) -> None:
        try:
            self._net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
        except cv2.error as error:
            raise ModelError(f"cannot load Darknet model {weights}: {error.msg}") from None
        self._net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self._net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        self._outputs = list(self._net.getUnconnectedOutLayersNames())
        lines = names.read_text(encoding="utf-8").splitlines()
        self._names = {i: name.strip() for i, name in enumerate(lines) if name.strip()}
        self._size = imgsz or DEFAULT_IMGSZ
        self._conf = conf
        self._iou = iou

    @property
    def class_names(self) -> Mapping[int, str]:
        return self._names

    def detect(self, frames: Sequence[Image]) -> list[sv.Detections]:
        # One forward pass per frame: OpenCV's CPU backend gains nothing from batching (measured
        # slower on vtest.avi), and per-frame passes keep memory flat for any batch size.
        return [self._detect_one(frame) for frame in frames]

    def _detect_one(self, frame: Image) -> sv.Detections:
        blob = cv2.dnn.blobFromImage(
            frame, 1 / 255.0, (self._size, self._size), swapRB=True, crop=False
        )
        self._net.setInput(blob)
        outputs = [np.asarray(o, dtype=np.float32) for o in self._net.forward(self._outputs)]
        rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in outputs])
        return self._decode(rows, frame.shape[1], frame.shape[0])

    def _decode(self, rows: FloatArray, width: int, height: int) -> sv.Detections:
        scores = rows[:, 5:]
        class_ids = scores.argmax(axis=1)
        confidence = scores[np.arange(len(rows)), class_ids]
        keep = confidence >= self._conf
        if not keep.any():
            return empty_detections()
        rows, class_ids, confidence = rows[keep], class_ids[keep], confidence[keep]
        scale = np.array([width, height, width, height], dtype=np.float32)
        cxcywh = rows[:, :4] * scale
        xyxy = np.column_stack(
            [cxcywh[:, :2] - cxcywh[:, 2:] / 2, cxcywh[:, :2] + cxcywh[:, 2:] / 2]
        )
        xyxy = np.clip(xyxy, 0, scale)
        boxes_xywh = [
            [float(x1), float(y1), float(x2 - x1), float(y2 - y1)] for x1, y1, x2, y2 in xyxy
        ]
        kept = cv2.dnn.NMSBoxesBatched(
            boxes_xywh, confidence.tolist(), class_ids.tolist(), self._conf, self._iou
        )
        index = np.array(kept, dtype=int).reshape(-1)
        return sv.Detections(
            xyxy=xyxy[index].astype(np.float32),
            confidence=confidence[index].astype(np.float32),
            class_id=class_ids[index].astype(int),
            data={CLASS_NAME: np.array([self._names[int(c)] for c in class_ids[index]], dtype=str)},
        )

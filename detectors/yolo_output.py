"""Boxes from the raw output of an exported YOLO detection model, in numpy.

Two output layouts exist. Models with an NMS step (YOLOv8, YOLO11) give ``(4 + classes, anchors)``
rows of centre, size and per-class scores; end-to-end models (YOLOv10, YOLO26) give up to 300
rows of ``x1, y1, x2, y2, score, class``. Filtering and class-aware non-maximum suppression
follow ultralytics' ``non_max_suppression`` (best class per box, scores above ``conf``, at most
``max_det`` boxes), so exported backends report what the PyTorch backend reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

MAX_DETECTIONS = 300
MAX_NMS_CANDIDATES = 30_000

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class RawBoxes:
    """Boxes of one image in model-input pixels, before class names are attached."""

    xyxy: FloatArray
    confidence: FloatArray
    class_id: IntArray

    def __len__(self) -> int:
        return len(self.confidence)


def decode(
    output: npt.NDArray[np.floating], *, conf: float, iou: float, max_det: int = MAX_DETECTIONS
) -> RawBoxes:
    """The boxes in one image's output (a leading batch axis of 1 is allowed)."""
    rows = np.asarray(output, dtype=np.float32)
    if rows.ndim == 3:
        rows = rows[0]
    if rows.ndim != 2:
        raise ValueError(f"unexpected YOLO output shape {output.shape}")
    if rows.shape[-1] == 6:
        return _end_to_end(rows, conf, max_det)
    return _with_nms(rows, conf, iou, max_det)


def _end_to_end(rows: FloatArray, conf: float, max_det: int) -> RawBoxes:
    kept = rows[rows[:, 4] > conf][:max_det]
    return RawBoxes(kept[:, :4].copy(), kept[:, 4].copy(), kept[:, 5].astype(np.int64))


def _with_nms(rows: FloatArray, conf: float, iou: float, max_det: int) -> RawBoxes:
    scores = rows[4:]
    class_id = scores.argmax(axis=0)
    confidence = scores[class_id, np.arange(scores.shape[1])]
    candidates = np.flatnonzero(confidence > conf)
    if len(candidates) > MAX_NMS_CANDIDATES:
        order = np.argsort(-confidence[candidates], kind="stable")
        candidates = candidates[order[:MAX_NMS_CANDIDATES]]
    if not len(candidates):
        return _empty()
    centre, size = rows[:2, candidates].T, rows[2:4, candidates].T
    xyxy = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    kept = np.asarray(
        cv2.dnn.NMSBoxesBatched(
            np.concatenate([xyxy[:, :2], size], axis=1).tolist(),
            confidence[candidates].tolist(),
            class_id[candidates].tolist(),
            conf,
            iou,
        ),
        dtype=np.int64,
    ).reshape(-1)[:max_det]
    chosen = candidates[kept]
    return RawBoxes(
        xyxy[kept].astype(np.float32), confidence[chosen], class_id[chosen].astype(np.int64)
    )


def _empty() -> RawBoxes:
    return RawBoxes(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))

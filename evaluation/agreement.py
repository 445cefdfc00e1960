"""How closely one detector's boxes agree with a reference detector's, frame by frame.

Used to guard the accuracy of faster backends (OpenVINO, ONNX Runtime, INT8) against PyTorch FP32
on the same frames: boxes of the same class are matched one to one by IoU (Hungarian assignment,
IoU at least ``min_iou``), and the matches give precision, recall and F1 over all frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import supervision as sv

from tracking.matching import assign, iou


@dataclass(frozen=True, slots=True)
class Agreement:
    reference: int
    """Boxes the reference found."""
    candidate: int
    """Boxes the candidate found."""
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.candidate if self.candidate else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.reference if self.reference else 1.0

    @property
    def f1(self) -> float:
        total = self.reference + self.candidate
        return 2 * self.matched / total if total else 1.0


def agreement(
    reference: Sequence[sv.Detections],
    candidate: Sequence[sv.Detections],
    *,
    min_iou: float = 0.5,
    min_confidence: float = 0.0,
) -> Agreement:
    """Match boxes frame by frame; boxes below ``min_confidence`` are left out on both sides."""
    if len(reference) != len(candidate):
        raise ValueError(f"{len(reference)} reference frames but {len(candidate)} candidate ones")
    totals = np.zeros(3, dtype=int)
    for ref, cand in zip(reference, candidate, strict=True):
        ref, cand = _confident(ref, min_confidence), _confident(cand, min_confidence)
        totals += (len(ref), len(cand), _matches(ref, cand, min_iou))
    return Agreement(*(int(t) for t in totals))


def _confident(detections: sv.Detections, min_confidence: float) -> sv.Detections:
    if detections.confidence is None or not min_confidence:
        return detections
    kept = detections[detections.confidence >= min_confidence]
    assert isinstance(kept, sv.Detections)
    return kept


def _matches(ref: sv.Detections, cand: sv.Detections, min_iou: float) -> int:
    if not len(ref) or not len(cand):
        return 0
    overlap = iou(ref.xyxy.astype(np.float64), cand.xyxy.astype(np.float64))
    if ref.class_id is not None and cand.class_id is not None:
        overlap = np.where(ref.class_id[:, None] == cand.class_id[None, :], overlap, 0.0)
    pairs, _, _ = assign(1.0 - overlap, 1.0 - min_iou)
    return len(pairs)

"""Recall of ground-truth boxes, and which objects count as fast movers.

HOTA mixes detection and association; a tracker that never confirms fast objects loses little
HOTA on a scene where most people walk. Recall restricted to the fast movers shows that failure
directly, and comparing it with the recall of the raw detections says how much of it the tracker
adds (the detector missed the box) or loses (the detector had it, the tracker dropped it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from evaluation.mot_io import MotSequence

FloatArray = npt.NDArray[np.float64]


def fast_ids(gt: MotSequence, fps: float, heights_per_s: float = 1.5) -> set[int]:
    """Ids whose median centre speed is at least ``heights_per_s`` box heights per second.

    The speed of each step between two rows of the same id is the centre displacement divided by
    the mean box height of the two rows and by the time between them (``frame gap / fps``). The
    default, 1.5 heights per second, is 0.3 heights per processed frame at 5 fps: where a track
    without velocity starts to lose IoU with its next detection.
    """
    fast: set[int] = set()
    centres = gt.boxes[:, :2] + gt.boxes[:, 2:] / 2
    for ident in np.unique(gt.ids):
        rows = np.flatnonzero(gt.ids == ident)
        rows = rows[np.argsort(gt.frames[rows], kind="stable")]
        if len(rows) < 2:
            continue
        gaps = np.diff(gt.frames[rows]).astype(np.float64)
        steps = np.linalg.norm(np.diff(centres[rows], axis=0), axis=1)
        heights = (gt.boxes[rows[1:], 3] + gt.boxes[rows[:-1], 3]) / 2
        valid = (gaps > 0) & (heights > 0)
        if not valid.any():
            continue
        speeds = steps[valid] / heights[valid] / gaps[valid] * fps
        if float(np.median(speeds)) >= heights_per_s:
            fast.add(int(ident))
    return fast


def recall(
    gt: MotSequence, pred: MotSequence, ids: set[int] | None = None, iou: float = 0.5
) -> float:
    """Share of ground-truth boxes matched one-to-one by a predicted box at IoU >= ``iou``.

    Per frame, all considered ground-truth boxes (consider flag > 0) are matched to the predicted
    boxes by maximum total IoU (Hungarian); pairs below ``iou`` do not count. Only boxes of
    ``ids`` are counted when given (they are still matched against everyone, so one predicted box
    never covers two people). NaN when there is no box to count.
    """
    gt = gt.select(gt.confidences > 0)
    counted = (
        np.ones(len(gt), dtype=bool) if ids is None else np.isin(gt.ids, np.fromiter(ids, int))
    )
    total = int(counted.sum())
    if total == 0:
        return float("nan")
    matched = 0
    for frame in np.unique(gt.frames[counted]):
        truth = np.flatnonzero(gt.frames == frame)
        boxes = pred.boxes[pred.frames == frame]
        if len(boxes) == 0:
            continue
        overlap = iou_matrix(gt.boxes[truth], boxes)
        overlap[overlap < iou] = 0.0
        rows, cols = linear_sum_assignment(overlap, maximize=True)
        hit = rows[overlap[rows, cols] > 0]
        matched += int(counted[truth[hit]].sum())
    return matched / total


def iou_matrix(a: FloatArray, b: FloatArray) -> FloatArray:
    """IoU of every ``left, top, width, height`` box in ``a`` with every one in ``b``."""
    a_end, b_end = a[:, :2] + a[:, 2:], b[:, :2] + b[:, 2:]
    low = np.maximum(a[:, None, :2], b[None, :, :2])
    high = np.minimum(a_end[:, None], b_end[None])
    inter = np.prod(np.clip(high - low, 0, None), axis=2)
    union = np.prod(a[:, 2:], axis=1)[:, None] + np.prod(b[:, 2:], axis=1)[None] - inter
    result: FloatArray = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
    return result

"""Box overlap and gated one-to-one assignment between tracks and detections."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def iou(a: FloatArray, b: FloatArray) -> FloatArray:
    """IoU of every box in ``a`` (rows) with every box in ``b`` (columns), corners format."""
    a = a.reshape(-1, 4)
    b = b.reshape(-1, 4)
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.asarray(inter / np.maximum(union, 1e-9), dtype=np.float64)


def assign(cost: FloatArray, max_cost: float) -> tuple[IntArray, IntArray, IntArray]:
    """Minimum-cost matching that accepts only pairs costing at most ``max_cost``.

    Returns ``(pairs, unmatched_rows, unmatched_columns)``; ``pairs`` has one ``[row, column]``
    per match.
    """
    rows, columns = cost.shape
    if rows == 0 or columns == 0:
        return np.zeros((0, 2), dtype=np.intp), np.arange(rows), np.arange(columns)
    gated = np.where(cost <= max_cost, cost, max_cost + 1e6)
    r, c = linear_sum_assignment(gated)
    keep = gated[r, c] <= max_cost
    pairs = np.column_stack([r[keep], c[keep]]).astype(np.intp)
    return (
        pairs,
        np.setdiff1d(np.arange(rows), pairs[:, 0]),
        np.setdiff1d(np.arange(columns), pairs[:, 1]),
    )

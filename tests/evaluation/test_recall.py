"""Fast movers and their recall, on hand-built sequences and on a generated scene."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from evaluation import MotSequence
from evaluation.recall import fast_ids, iou_matrix, recall
from evaluation.synthetic import SceneConfig, generate


def _sequence(rows: Sequence[tuple[float, ...]]) -> MotSequence:
    """Rows of ``frame, id, left, top, width, height, confidence``."""
    return MotSequence.from_columns(np.array(rows, dtype=np.float64))


def _mover(
    ident: int, step: float, frames: int = 10, height: float = 100.0
) -> list[tuple[float, ...]]:
    return [(f, ident, 10 + step * f, 50, 40, height, 1) for f in range(1, frames + 1)]


def test_fast_ids_compares_median_speed_in_heights_per_second() -> None:
    # at 25 fps, 6 px per frame on a 100 px box is 1.5 heights/s: the threshold itself
    gt = _sequence(_mover(1, 6.0) + _mover(2, 5.9) + _mover(3, 40.0) + _mover(4, 0.0))
    assert fast_ids(gt, 25.0) == {1, 3}
    assert fast_ids(gt, 25.0, heights_per_s=3.0) == {3}
    # the same boxes at 5 fps move five times slower per second (40 px: 2 heights/s)
    assert fast_ids(gt, 5.0) == {3}


def test_fast_ids_divides_by_the_frame_gap() -> None:
    # every 5th frame of a 6 px/frame mover moves 30 px per row: still 1.5 heights/s
    gt = _sequence([(f, 7, 6.0 * f, 0, 40, 100, 1) for f in range(1, 50, 5)])
    assert fast_ids(gt, 25.0) == {7}
    assert fast_ids(_sequence(_mover(8, 50.0, frames=1)), 25.0) == set()


def test_recall_matches_one_to_one_at_the_iou_threshold() -> None:
    gt = _sequence(
        [
            (1, 1, 0, 0, 10, 10, 1),
            (1, 2, 100, 0, 10, 10, 1),
            (2, 1, 0, 0, 10, 10, 1),
            (2, 2, 100, 0, 10, 10, 0),  # consider flag 0: never counted
        ]
    )
    # frame 1: one box exactly on id 1, one shifted by 4 px on id 2 (IoU 6/14 < 0.5)
    pred = _sequence([(1, 5, 0, 0, 10, 10, 1), (1, 6, 104, 0, 10, 10, 1), (2, 5, 1, 0, 10, 10, 1)])
    assert recall(gt, pred) == pytest.approx(2 / 3)
    assert recall(gt, pred, ids={1}) == 1.0
    assert recall(gt, pred, ids={2}) == 0.0
    assert recall(gt, pred, ids={2}, iou=0.4) == 1.0
    assert math.isnan(recall(gt, pred, ids={3}))


def test_one_predicted_box_covers_one_person_only() -> None:
    gt = _sequence([(1, 1, 0, 0, 10, 10, 1), (1, 2, 1, 0, 10, 10, 1)])
    pred = _sequence([(1, 9, 0, 0, 10, 10, 1)])
    assert recall(gt, pred) == 0.5


def test_iou_matrix_of_xywh_boxes() -> None:
    a = np.array([[0.0, 0, 10, 10], [0, 0, 0, 0]])
    b = np.array([[5.0, 0, 10, 10], [20, 20, 5, 5]])
    assert iou_matrix(a, b) == pytest.approx(np.array([[50 / 150, 0], [0, 0]]))


def test_ground_truth_recalls_itself_and_detections_recall_less() -> None:
    scene = generate(0, SceneConfig(frames=100))
    assert recall(scene.gt, scene.gt) == 1.0
    raw = recall(scene.gt, scene.detections.select(scene.detections.confidences >= 0.25))
    assert 0.5 < raw < 1.0

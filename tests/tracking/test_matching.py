from __future__ import annotations

import numpy as np
import pytest

from tracking.matching import assign, iou


def test_iou_of_known_boxes() -> None:
    a = np.array([[0.0, 0.0, 10.0, 10.0], [100.0, 100.0, 110.0, 110.0]])
    b = np.array([[5.0, 0.0, 15.0, 10.0], [0.0, 0.0, 10.0, 10.0]])
    np.testing.assert_allclose(iou(a, b), [[50 / 150, 1.0], [0.0, 0.0]])
    assert iou(a, np.zeros((0, 4))).shape == (2, 0)


def test_assign_takes_the_cheapest_pairs_within_the_gate() -> None:
    cost = np.array([[0.1, 0.5], [0.2, 0.9], [0.95, 0.95]])
    pairs, rows, columns = assign(cost, 0.8)
    assert pairs.tolist() == [[0, 1], [1, 0]]  # 0.5 + 0.2 beats 0.1 + 0.9 (gated out anyway)
    assert rows.tolist() == [2]
    assert columns.tolist() == []


@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_assign_with_nothing_to_match(shape: tuple[int, int]) -> None:
    pairs, rows, columns = assign(np.zeros(shape), 0.5)
    assert len(pairs) == 0
    assert len(rows) == shape[0] and len(columns) == shape[1]

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from detectors.yolo_output import decode


def _output(
    boxes: Sequence[tuple[float, float, float, float, list[float]]],
) -> npt.NDArray[np.float32]:
    """A (4 + classes, anchors) output from (cx, cy, w, h, class scores) rows, batch axis 1."""
    rows = [[cx, cy, w, h, *scores] for cx, cy, w, h, scores in boxes]
    return np.array(rows, np.float32).T[None]


def test_overlapping_boxes_of_one_class_are_merged_keeping_the_best() -> None:
    found = decode(
        _output([(100, 100, 40, 80, [0.6, 0.0]), (102, 101, 40, 80, [0.9, 0.0])]),
        conf=0.1,
        iou=0.7,
    )
    assert len(found) == 1
    assert found.confidence[0] == np.float32(0.9)
    np.testing.assert_allclose(found.xyxy[0], [82, 61, 122, 141])


def test_overlapping_boxes_of_different_classes_are_both_kept() -> None:
    found = decode(
        _output([(100, 100, 40, 80, [0.6, 0.1]), (102, 101, 40, 80, [0.1, 0.9])]),
        conf=0.1,
        iou=0.7,
    )
    assert sorted(found.class_id.tolist()) == [0, 1]


def test_scores_must_exceed_conf_and_each_box_takes_its_best_class() -> None:
    found = decode(
        _output([(50, 50, 10, 10, [0.2, 0.3]), (300, 300, 10, 10, [0.1, 0.05])]),
        conf=0.1,
        iou=0.7,
    )
    assert found.class_id.tolist() == [1]
    assert found.confidence.tolist() == [np.float32(0.3)]


def test_at_most_max_det_boxes_best_first() -> None:
    boxes = [(20.0 * i, 20.0, 10, 10, [0.2 + i / 100]) for i in range(20)]
    found = decode(_output(boxes), conf=0.1, iou=0.7, max_det=5)
    assert len(found) == 5
    assert found.confidence.tolist() == sorted(found.confidence.tolist(), reverse=True)


def test_end_to_end_rows_are_only_filtered() -> None:
    rows = np.array(
        [[[10, 10, 50, 50, 0.8, 2], [12, 12, 52, 52, 0.7, 2], [0, 0, 5, 5, 0.05, 1]]], np.float32
    )
    found = decode(rows, conf=0.1, iou=0.7)
    assert found.class_id.tolist() == [2, 2]  # no NMS: the model already did it
    np.testing.assert_allclose(found.xyxy[1], [12, 12, 52, 52])


def test_nothing_above_conf_gives_empty_arrays() -> None:
    found = decode(_output([(50, 50, 10, 10, [0.05])]), conf=0.1, iou=0.7)
    assert len(found) == 0 and found.xyxy.shape == (0, 4)

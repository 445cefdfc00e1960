"""DetectionFilter on hand-built detections of a 100 x 100 frame (area 10,000 px)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
import supervision as sv

from analytics.filters import DetectionFilter, DropReason
from config.filters import ClassFilterConfig, IgnoreConfig

W, H = 100, 100


def detections(*boxes: tuple[str, float, tuple[float, float, float, float]]) -> sv.Detections:
    """``(class name, confidence, xyxy)`` per box."""
    return sv.Detections(
        xyxy=np.array([b[2] for b in boxes], dtype=np.float32).reshape(-1, 4),
        confidence=np.array([b[1] for b in boxes], dtype=np.float32),
        class_id=np.arange(len(boxes)),
        data={"class_name": np.array([b[0] for b in boxes], dtype=str)},
    )


def limits(**fields: float) -> ClassFilterConfig:
    return ClassFilterConfig.model_validate(fields)


def mask(polygon: Sequence[Sequence[float]], **fields: Any) -> IgnoreConfig:
    return IgnoreConfig.model_validate({"polygon": polygon, **fields})


def kept_ids(found: sv.Detections) -> list[int]:
    assert found.class_id is not None
    return [int(i) for i in found.class_id]


LEFT_HALF = [[0, 0], [50, 0], [50, 100], [0, 100]]


def test_score_and_size_limits_apply_to_their_class_only() -> None:
    rules = DetectionFilter(
        {"person": limits(min_score=0.5, min_area=0.01, max_area=0.5)}, ignore=()
    )
    found = detections(
        ("person", 0.4, (0, 0, 50, 50)),  # 0: low score
        ("person", 0.9, (0, 0, 5, 5)),  # 1: 25 px = 0.0025 of the frame: too small
        ("person", 0.9, (0, 0, 80, 80)),  # 2: 0.64 of the frame: too large
        ("person", 0.9, (0, 0, 10, 10)),  # 3: exactly min_area: kept
        ("car", 0.1, (0, 0, 5, 5)),  # 4: no filter for cars
    )
    result = rules.apply(found, W, H)
    assert kept_ids(result.kept) == [3, 4]
    assert result.dropped == {
        DropReason.MIN_SCORE: 1,
        DropReason.MIN_AREA: 1,
        DropReason.MAX_AREA: 1,
    }
    assert list(result.kept.data["class_name"]) == ["person", "car"]


def test_a_detection_that_breaks_several_rules_counts_once_under_the_first() -> None:
    rules = DetectionFilter({"person": limits(min_score=0.5, min_area=0.01)}, (mask(LEFT_HALF),))
    result = rules.apply(detections(("person", 0.1, (0, 0, 2, 2))), W, H)
    assert len(result.kept) == 0
    assert result.dropped == {DropReason.MIN_SCORE: 1}


def test_an_ignore_polygon_drops_what_its_anchor_falls_in() -> None:
    rules = DetectionFilter({}, (mask(LEFT_HALF),))
    found = detections(
        ("person", 0.9, (10, 10, 30, 40)),  # 0: bottom centre (20, 40): inside
        ("person", 0.9, (40, 10, 70, 40)),  # 1: bottom centre (55, 40): outside
        ("person", 0.9, (30, 10, 70, 40)),  # 2: bottom centre (50, 40): on the edge, inside
    )
    result = rules.apply(found, W, H)
    assert kept_ids(result.kept) == [1]
    assert result.dropped == {DropReason.IGNORE: 2}


def test_the_anchor_and_the_classes_of_a_mask_choose_what_it_drops() -> None:
    top_band = [[0, 0], [100, 0], [100, 20], [0, 20]]
    rules = DetectionFilter({}, (mask(top_band, anchor="top_center", classes=["car"]),))
    found = detections(
        ("car", 0.9, (0, 10, 20, 60)),  # 0: top centre (10, 10): in the band
        ("person", 0.9, (0, 10, 20, 60)),  # 1: same box, but the mask drops cars only
        ("car", 0.9, (0, 30, 20, 60)),  # 2: top centre below the band
    )
    assert kept_ids(rules.apply(found, W, H).kept) == [1, 2]


def test_normalized_polygons_follow_the_frame_size() -> None:
    rules = DetectionFilter(
        {}, (mask([[0, 0], [0.5, 0], [0.5, 1], [0, 1]], coordinates="normalized"),)
    )
    box = ("person", 0.9, (60.0, 10.0, 80.0, 40.0))  # bottom centre x = 70
    assert len(rules.apply(detections(box), 100, 100).kept) == 1  # left half: x < 50
    assert len(rules.apply(detections(box), 200, 100).kept) == 0  # left half: x < 100
    assert len(rules.apply(detections(box), 100, 100).kept) == 1


def test_no_rules_or_no_detections_keep_everything_as_is() -> None:
    found = detections(("person", 0.01, (0, 0, 1, 1)))
    inactive = DetectionFilter({"person": ClassFilterConfig()}, ())
    assert not inactive.active
    assert inactive.apply(found, W, H).kept is found
    empty = detections()
    assert DetectionFilter({}, (mask(LEFT_HALF),)).apply(empty, W, H).dropped == {}


def test_detections_without_class_names_meet_only_masks_for_every_class() -> None:
    found = sv.Detections(xyxy=np.array([[0, 0, 2, 2], [60, 0, 62, 2]], dtype=np.float32))
    rules = DetectionFilter({"person": limits(min_area=0.5)}, (mask(LEFT_HALF),))
    result = rules.apply(found, W, H)
    assert len(result.kept) == 1 and result.dropped == {DropReason.IGNORE: 1}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"min_area": 0.5, "max_area": 0.1}, "min_area must be at most max_area"),
        ({"min_score": 1.5}, "less than or equal to 1"),
        ({"max_area": 0}, "greater than 0"),
    ],
)
def test_contradictory_or_out_of_range_limits_are_refused(
    fields: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ClassFilterConfig.model_validate(fields)


def test_ignore_polygons_are_validated_like_zones() -> None:
    with pytest.raises(ValueError, match="three distinct corners"):
        mask([[0, 0], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        mask([[0, 0], [2, 0], [0, 1]], coordinates="normalized")

"""Anchors, sides of a directed segment, polygons and normalized coordinates, by hand."""

from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from analytics.geometry import Polygon, Segment, anchor_point, anchor_points, sightings, to_pixels
from outputs import FrameResult


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [("bottom_center", (15.0, 40.0)), ("center", (15.0, 30.0)), ("top_center", (15.0, 20.0))],
)
def test_anchor_points_of_a_box(anchor: str, expected: tuple[float, float]) -> None:
    assert anchor_point((10, 20, 20, 40), anchor) == expected  # type: ignore[arg-type]
    many = anchor_points(np.array([[10, 20, 20, 40], [0, 0, 2, 2]]), anchor)  # type: ignore[arg-type]
    assert many[0].tolist() == list(expected) and many.shape == (2, 2)


def test_signed_distance_is_positive_on_the_right_of_a_to_b_on_screen() -> None:
    across = Segment((0, 100), (200, 100))  # drawn left to right: "right" is down the picture
    assert across.signed_distance((50, 110)) == 10
    assert across.signed_distance((50, 93)) == -7
    assert across.signed_distance((50, 100)) == 0
    down = Segment((100, 0), (100, 200))  # drawn top to bottom: "right" is screen-left
    assert down.signed_distance((90, 50)) == 10
    assert down.signed_distance((130, 50)) == -30
    diagonal = Segment((0, 0), (30, 40))
    assert diagonal.length == 50
    assert diagonal.signed_distance((0, 50)) == pytest.approx(30)


def test_extent_covers_the_segment_and_the_margin_only() -> None:
    segment = Segment((100, 0), (100, 200))
    assert segment.within_extent((50, 0)) and segment.within_extent((150, 200))
    assert not segment.within_extent((100, -1)) and not segment.within_extent((100, 201))
    assert segment.within_extent((100, -10), margin=10)
    assert not segment.within_extent((100, 211), margin=10)


def test_point_in_polygon_includes_the_edge() -> None:
    triangle = Polygon(((0, 0), (100, 0), (0, 100)))
    assert triangle.contains((10, 10))
    assert triangle.contains((50, 50))  # on the hypotenuse
    assert triangle.contains((0, 40))  # on an edge
    assert not triangle.contains((60, 60))
    assert not triangle.contains((-1, 5))
    concave = Polygon(((0, 0), (100, 0), (100, 100), (50, 20), (0, 100)))
    assert concave.contains((10, 50)) and not concave.contains((50, 60))


def test_normalized_points_scale_with_the_frame_and_pixels_stay() -> None:
    points = ((0.5, 0.25), (1.0, 1.0))
    assert to_pixels(points, "normalized", 768, 576) == ((384.0, 144.0), (768.0, 576.0))
    assert to_pixels(points, "pixels", 768, 576) == points


def test_sightings_skip_untracked_boxes_and_other_classes() -> None:
    tracks = sv.Detections(
        xyxy=np.array([[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 20]], dtype=np.float32),
        class_id=np.array([0, 2, 0]),
        tracker_id=np.array([1, 2, -1]),
        data={"class_name": np.array(["person", "car", "person"])},
    )
    frame = FrameResult(0, 0.0, np.zeros((48, 64, 3), dtype=np.uint8), tracks)
    people = sightings(frame, "bottom_center", ("person",))
    assert [(s.track_id, s.class_name, s.point) for s in people] == [(1, "person", (5.0, 10.0))]
    everyone = sightings(frame, "center", ())
    assert [s.track_id for s in everyone] == [1, 2]
    assert everyone[1].box == (20.0, 0.0, 30.0, 10.0)

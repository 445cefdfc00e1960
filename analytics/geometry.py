"""Plane geometry for lines and zones: box anchors, sides of a directed segment, polygons.

Image coordinates: x to the right, y down, in pixels. A point's signed distance to the directed
line A→B is positive on the right-hand side of someone looking from A towards B on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from config.geometry import Anchor, Coordinates, Point
from outputs.records import FrameResult

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Sighting:
    """One tracked box of a frame with its anchor point."""

    track_id: int
    class_name: str
    box: Box
    point: Point


def sightings(result: FrameResult, anchor: Anchor, classes: tuple[str, ...]) -> list[Sighting]:
    """The frame's tracked boxes (untracked ones skipped) of ``classes`` (empty: all)."""
    found = []
    for obj in result.objects():
        track_id, class_name = int(obj["track_id"]), str(obj["class_name"])
        if track_id < 0 or (classes and class_name not in classes):
            continue
        box = box_of(obj["box"])
        found.append(Sighting(track_id, class_name, box, anchor_point(box, anchor)))
    return found


def box_of(value: list[float]) -> Box:
    """A box as :meth:`FrameResult.objects` gives it (a list), as a typed tuple."""
    x1, y1, x2, y2 = (float(v) for v in value)
    return (x1, y1, x2, y2)


def anchor_point(box: Box, anchor: Anchor) -> Point:
    """The point of an ``(x1, y1, x2, y2)`` box that lines and zones test."""
    x1, y1, x2, y2 = box
    x = (x1 + x2) / 2
    if anchor == "bottom_center":
        return (x, y2)
    if anchor == "top_center":
        return (x, y1)
    return (x, (y1 + y2) / 2)


def anchor_points(xyxy: npt.ArrayLike, anchor: Anchor) -> npt.NDArray[np.float64]:
    """:func:`anchor_point` of each row of an ``(n, 4)`` box array, as an ``(n, 2)`` array."""
    boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    x = (boxes[:, 0] + boxes[:, 2]) / 2
    if anchor == "bottom_center":
        y = boxes[:, 3]
    elif anchor == "top_center":
        y = boxes[:, 1]
    else:
        y = (boxes[:, 1] + boxes[:, 3]) / 2
    return np.stack([x, y], axis=1)


def to_pixels(
    points: tuple[Point, ...], coordinates: Coordinates, width: int, height: int
) -> tuple[Point, ...]:
    """``points`` in pixels of a ``width`` x ``height`` frame (normalized ones are scaled)."""
    if coordinates == "pixels":
        return points
    return tuple((x * width, y * height) for x, y in points)


@dataclass(frozen=True, slots=True)
class Segment:
    """A directed segment A→B in pixels."""

    a: Point
    b: Point

    @property
    def length(self) -> float:
        return math.dist(self.a, self.b)

    def signed_distance(self, point: Point) -> float:
        """Distance from ``point`` to the infinite line through A and B: positive on the right of
        A→B as seen on screen (y down), negative on its left."""
        (ax, ay), (bx, by) = self.a, self.b
        px, py = point
        return ((bx - ax) * (py - ay) - (by - ay) * (px - ax)) / self.length

    def within_extent(self, point: Point, margin: float = 0.0) -> bool:
        """Whether ``point`` projects onto the segment, or at most ``margin`` beyond either end:
        only there does a side change count as crossing the segment."""
        (ax, ay), (bx, by) = self.a, self.b
        px, py = point
        along = ((bx - ax) * (px - ax) + (by - ay) * (py - ay)) / self.length
        return -margin <= along <= self.length + margin


class Polygon:
    """A closed polygon in pixels; points on its edge are inside."""

    def __init__(self, corners: tuple[Point, ...]) -> None:
        self.corners = corners
        self._contour = np.asarray(corners, dtype=np.float32).reshape(-1, 1, 2)

    def contains(self, point: Point) -> bool:
        x, y = point
        return cv2.pointPolygonTest(self._contour, (float(x), float(y)), False) >= 0

"""Drop detections before tracking: per-class score and size limits, and ignore polygons.

A camera's :class:`DetectionFilter` is built from its config once and applied to each detected
frame with boolean masks over the ``supervision.Detections`` arrays. A detection that fails several
rules is counted under the first of :class:`DropReason`'s order (score, then size, then mask).
Normalized ignore polygons are scaled to the frame size, again whenever it changes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import supervision as sv
from supervision.config import CLASS_NAME_DATA_FIELD

from analytics.geometry import Polygon, anchor_points, to_pixels
from config.filters import ClassFilterConfig, IgnoreConfig

Mask = npt.NDArray[np.bool_]


class DropReason(enum.StrEnum):
    """Why a detection was dropped (the ``reason`` label of its metric)."""

    MIN_SCORE = "min_score"
    MIN_AREA = "min_area"
    MAX_AREA = "max_area"
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class Filtered:
    """What :meth:`DetectionFilter.apply` kept, and how many it dropped for each reason."""

    kept: sv.Detections
    dropped: Mapping[DropReason, int]


class DetectionFilter:
    """One camera's class filters and ignore polygons. Not shared between threads."""

    def __init__(
        self, filters: Mapping[str, ClassFilterConfig], ignore: tuple[IgnoreConfig, ...]
    ) -> None:
        self._filters = dict(filters)
        self._ignore = ignore
        self._active = bool(ignore) or any(f != ClassFilterConfig() for f in filters.values())
        self._size: tuple[int, int] | None = None
        self._polygons: list[Polygon] = []

    @property
    def active(self) -> bool:
        """Whether any rule can drop anything."""
        return self._active

    def apply(self, detections: sv.Detections, width: int, height: int) -> Filtered:
        """The detections of a ``width`` x ``height`` frame that pass every rule."""
        if not self.active or len(detections) == 0:
            return Filtered(detections, {})
        names = _class_names(detections)
        dropped: dict[DropReason, int] = {}
        keep = np.ones(len(detections), dtype=bool)
        for reason, failing in self._failing(detections, names, width, height):
            newly = failing & keep
            if newly.any():
                dropped[reason] = int(newly.sum())
                keep &= ~failing
        kept = detections[keep]
        assert isinstance(kept, sv.Detections)
        return Filtered(kept, dropped)

    def _failing(
        self, detections: sv.Detections, names: npt.NDArray[np.str_], width: int, height: int
    ) -> list[tuple[DropReason, Mask]]:
        """Per reason, in order: which detections break that rule."""
        count = len(detections)
        low_score, small, large = (np.zeros(count, dtype=bool) for _ in range(3))
        area = _areas(detections.xyxy) / float(width * height)
        confidence = detections.confidence if detections.confidence is not None else np.ones(count)
        for class_name, limits in self._filters.items():
            of_class = names == class_name
            low_score |= of_class & (confidence < limits.min_score)
            small |= of_class & (area < limits.min_area)
            large |= of_class & (area > limits.max_area)
        return [
            (DropReason.MIN_SCORE, low_score),
            (DropReason.MIN_AREA, small),
            (DropReason.MAX_AREA, large),
            (DropReason.IGNORE, self._ignored(detections.xyxy, names, width, height)),
        ]

    def _ignored(
        self, xyxy: npt.ArrayLike, names: npt.NDArray[np.str_], width: int, height: int
    ) -> Mask:
        ignored: Mask = np.zeros(len(names), dtype=np.bool_)
        for mask, polygon in zip(self._ignore, self._polygons_for(width, height), strict=True):
            applies: Mask = np.isin(names, mask.classes) if mask.classes else np.ones_like(ignored)
            points = anchor_points(xyxy, mask.anchor)
            for i in np.flatnonzero(applies & ~ignored):
                ignored[i] = polygon.contains((float(points[i, 0]), float(points[i, 1])))
        return ignored

    def _polygons_for(self, width: int, height: int) -> list[Polygon]:
        if self._size != (width, height):
            self._polygons = [
                Polygon(to_pixels(mask.polygon, mask.coordinates, width, height))
                for mask in self._ignore
            ]
            self._size = (width, height)
        return self._polygons


def _areas(xyxy: npt.ArrayLike) -> npt.NDArray[np.float64]:
    boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    widths = np.clip(boxes[:, 2] - boxes[:, 0], 0, None)
    heights = np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
    return widths * heights


def _class_names(detections: sv.Detections) -> npt.NDArray[np.str_]:
    """Each detection's class name; empty where the detector gave none (no class filter applies
    to it, ignore polygons for every class do)."""
    names = detections.data.get(CLASS_NAME_DATA_FIELD)
    if names is None:
        return np.full(len(detections), "", dtype=str)
    return np.asarray(names, dtype=str)

"""Keep only the classes a user asked for, by name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.base import Detector, Image
from detectors.errors import UnknownClassError


class ClassFilter(Detector):
    """Wraps a detector and drops every box whose class is not in ``names``."""

    def __init__(self, inner: Detector, names: Iterable[str]) -> None:
        self._inner = inner
        self._class_ids = resolve_class_ids(inner.class_names, names)

    @property
    def class_names(self) -> Mapping[int, str]:
        return {i: n for i, n in self._inner.class_names.items() if i in self._class_ids}

    def detect(self, frames: Sequence[Image]) -> list[sv.Detections]:
        keep = np.array(sorted(self._class_ids))
        return [_subset(d, np.isin(_class_ids(d), keep)) for d in self._inner.detect(frames)]

    def close(self) -> None:
        self._inner.close()


def resolve_class_ids(class_names: Mapping[int, str], names: Iterable[str]) -> frozenset[int]:
    """Map class names to ids, case-insensitively; an unknown name raises with the valid ones."""
    by_name = {name.lower(): class_id for class_id, name in class_names.items()}
    wanted = [name.strip() for name in names if name.strip()]
    unknown = [name for name in wanted if name.lower() not in by_name]
    if unknown:
        valid = ", ".join(sorted(set(class_names.values())))
        raise UnknownClassError(
            f"unknown class {', '.join(repr(n) for n in unknown)}; this model detects: {valid}"
        )
    return frozenset(by_name[name.lower()] for name in wanted)


def _class_ids(detections: sv.Detections) -> npt.NDArray[np.integer[Any]]:
    if detections.class_id is None:
        return np.full(len(detections), -1)
    return detections.class_id


def _subset(detections: sv.Detections, mask: npt.NDArray[np.bool_]) -> sv.Detections:
    subset = detections[mask]
    assert isinstance(subset, sv.Detections)
    return subset

"""Keep only the classes a user asked for, by name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.base import Detector, Image, PendingDetections, Size
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
        return self.keep(self._inner.detect(frames))

    def submit(self, frames: Sequence[Image]) -> PendingDetections:
        return _Filtered(self, self._inner.submit(frames))

    def keep(self, found: list[sv.Detections]) -> list[sv.Detections]:
        wanted = np.array(sorted(self._class_ids))
        return [_subset(d, np.isin(_class_ids(d), wanted)) for d in found]

    @property
    def max_in_flight(self) -> int:
        return self._inner.max_in_flight

    def plan(self, in_flight: int) -> None:
        self._inner.plan(in_flight)

    @property
    def calibration_frames_wanted(self) -> int:
        return self._inner.calibration_frames_wanted

    def prepare(self, frame_size: Size, calibration: Sequence[Image] = ()) -> None:
        self._inner.prepare(frame_size, calibration)

    def describe(self) -> str:
        return self._inner.describe()

    def close(self) -> None:
        self._inner.close()


class _Filtered(PendingDetections):
    def __init__(self, owner: ClassFilter, inner: PendingDetections) -> None:
        self._owner = owner
        self._inner = inner

    def result(self) -> list[sv.Detections]:
        return self._owner.keep(self._inner.result())

    def done(self) -> bool:
        return self._inner.done()


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

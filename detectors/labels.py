"""Class names on boxes: a model's own classes, or several of them reported as one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.base import CLASS_NAME


@dataclass(frozen=True, slots=True)
class ClassMerge:
    """Report several of a model's classes as one class, keeping the original as an attribute.

    The bundled person model tells standing (``Normal``) from fallen (``Fall``) people; both are
    people, so they become ``person`` with ``data["posture"]`` set to ``normal`` or ``fall``.
    """

    into: str
    attribute: str


class Labeller:
    """Turns boxes with a model's raw class ids into ``Detections`` with class names."""

    def __init__(self, raw_names: Mapping[int, str], merge: ClassMerge | None = None) -> None:
        self.raw_names = dict(raw_names)
        self.merge = merge
        self.class_names: dict[int, str] = {0: merge.into} if merge else dict(raw_names)

    def detections(
        self,
        xyxy: npt.NDArray[Any],
        confidence: npt.NDArray[Any],
        raw_class_id: npt.NDArray[Any],
    ) -> sv.Detections:
        raw_ids = [int(i) for i in raw_class_id]
        data: dict[str, npt.NDArray[Any] | list[Any]] = {}
        if self.merge is not None:
            postures = [self.raw_names[i].lower() for i in raw_ids]
            data[self.merge.attribute] = np.array(postures, dtype=str)
            raw_ids = [0] * len(raw_ids)
        data[CLASS_NAME] = np.array([self.class_names[i] for i in raw_ids], dtype=str)
        return sv.Detections(
            xyxy=np.asarray(xyxy, dtype=np.float32).reshape(-1, 4),
            confidence=np.asarray(confidence, dtype=np.float32),
            class_id=np.array(raw_ids, dtype=int),
            data=data,
        )

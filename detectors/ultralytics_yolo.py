"""Backend for ultralytics YOLO models (``.pt``, ``.onnx`` and the formats ultralytics exports)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import supervision as sv
import torch

from detectors.base import CLASS_NAME, Detector, Image
from detectors.errors import ModelError

DEFAULT_IMGSZ = 640


@dataclass(frozen=True, slots=True)
class ClassMerge:
    """Report several of a model's classes as one class, keeping the original as an attribute.

    The bundled person model tells standing (``Normal``) from fallen (``Fall``) people; both are
    people, so they become ``person`` with ``data["posture"]`` set to ``normal`` or ``fall``.
    """

    into: str
    attribute: str


class UltralyticsDetector(Detector):
    """Runs an ultralytics detection model on batches of frames."""

    def __init__(
        self,
        weights: str,
        *,
        imgsz: int | None = None,
        conf: float,
        iou: float,
        device: str | None = None,
        threads: int | None = None,
        merge: ClassMerge | None = None,
    ) -> None:
        from ultralytics import YOLO  # here: a slow import that other backends skip

        try:
            self._model = YOLO(weights, task="detect")
        except Exception as error:  # ultralytics raises many kinds for bad or foreign files
            raise ModelError(f"cannot load model {weights}: {error}") from None
        raw_names = {int(k): str(v) for k, v in self._model.names.items()}
        if not raw_names:
            raise ModelError(f"{weights} reports no class names; is it a detection model?")
        self._raw_names = raw_names
        self._merge = merge
        self._names = {0: merge.into} if merge else raw_names
        self._imgsz = imgsz or DEFAULT_IMGSZ
        self._conf = conf
        self._iou = iou
        self._device = device
        self._threads = threads or os.cpu_count() or 1

    @property
    def class_names(self) -> Mapping[int, str]:
        return self._names

    def detect(self, frames: Sequence[Image]) -> list[sv.Detections]:
        if not frames:
            return []
        # ultralytics sets torch to one thread fewer than the cores when its predictor starts, and
        # OpenMP's setting is per calling thread: set it here, in the thread that runs inference.
        if torch.get_num_threads() != self._threads:
            torch.set_num_threads(self._threads)
        results = self._model.predict(
            list(frames),
            imgsz=self._imgsz,
            conf=self._conf,
            iou=self._iou,
            device=self._device,
            verbose=False,
        )
        return [self._convert(result) for result in results]

    def _convert(self, result: object) -> sv.Detections:
        detections = sv.Detections.from_ultralytics(result)
        raw_ids = [int(i) for i in (detections.class_id if detections.class_id is not None else [])]
        if self._merge is not None:
            postures = [self._raw_names[i].lower() for i in raw_ids]
            detections.data[self._merge.attribute] = np.array(postures, dtype=str)
            raw_ids = [0] * len(raw_ids)
        detections.class_id = np.array(raw_ids, dtype=int)
        detections.data[CLASS_NAME] = np.array([self._names[i] for i in raw_ids], dtype=str)
        return detections

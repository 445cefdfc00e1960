"""Backend for ultralytics YOLO models (``.pt``, ``.onnx`` and the formats ultralytics exports)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import supervision as sv
import torch

from detectors.base import Detector, Image
from detectors.errors import ModelError
from detectors.export import ultralytics_yolo
from detectors.labels import ClassMerge, Labeller
from detectors.segments import POLYGON, Polygon, mask_polygon, no_polygon, to_frame

DEFAULT_IMGSZ = 640


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
        threads: int,
        half: bool = False,
        merge: ClassMerge | None = None,
    ) -> None:
        """``half`` runs in FP16 (CUDA only)."""
        self._model = ultralytics_yolo(Path(weights))
        try:  # ultralytics only opens the file here, and raises many kinds for foreign files
            raw_names = {int(k): str(v) for k, v in self._model.names.items()}
        except Exception as error:
            raise ModelError(f"cannot load model {weights}: {error}") from None
        if not raw_names:
            raise ModelError(f"{weights} reports no class names; is it a detection model?")
        self._labeller = Labeller(raw_names, merge)
        self._segments = self._model.task == "segment"
        """A segmentation model: every result carries ``data[POLYGON]`` (see detectors.segments)."""
        self._imgsz = imgsz or DEFAULT_IMGSZ
        self._conf = conf
        self._iou = iou
        self._device = device
        self._threads = threads
        self._half = half

    @property
    def class_names(self) -> Mapping[int, str]:
        return self._labeller.class_names

    def describe(self) -> str:
        return f"torch {'fp16' if self._half else 'fp32'}"

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
            **({"half": True} if self._half else {}),
        )
        return [self._convert(result) for result in results]

    def _convert(self, result: Any) -> sv.Detections:
        if self._segments:
            return self._convert_segments(result)
        found = sv.Detections.from_ultralytics(result)
        class_id = found.class_id if found.class_id is not None else np.zeros(0, int)
        confidence = found.confidence if found.confidence is not None else np.ones(len(found))
        return self._labeller.detections(found.xyxy, confidence, class_id)

    def _convert_segments(self, result: Any) -> sv.Detections:
        """Boxes and one polygon per box. Not ``sv.Detections.from_ultralytics``, which scales
        every mask up to frame resolution; the masks here stay at the network's resolution and
        only their outlines are scaled."""
        boxes = result.boxes
        detections = self._labeller.detections(
            boxes.xyxy.cpu().numpy(), boxes.conf.cpu().numpy(), boxes.cls.cpu().numpy()
        )
        detections.data[POLYGON] = _polygons(result, len(detections))
        return detections


def _polygons(result: Any, count: int) -> list[Polygon]:
    """One polygon per box in the frame's pixels, from ``result.masks`` (None without boxes)."""
    if result.masks is None:
        return [no_polygon() for _ in range(count)]
    masks = result.masks.data.cpu().numpy()
    mask_size = (masks.shape[1], masks.shape[2])
    frame_size = (int(result.orig_shape[0]), int(result.orig_shape[1]))
    return [to_frame(mask_polygon(mask), mask_size, frame_size) for mask in masks]

"""Object detectors: batches of BGR frames in, ``supervision.Detections`` out.

Backends: ultralytics YOLO exported to OpenVINO or ONNX Runtime (``exported``), ultralytics on
PyTorch (``ultralytics_yolo``) and Darknet through OpenCV DNN (``darknet``). A
permissively licensed backend plugs in by implementing :class:`detectors.base.Detector`.

The options, model names and errors import nothing heavy; the detector port and the loader
(numpy, supervision, OpenCV) are imported on first use, so that ``trackcast --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from detectors.bundled import BUNDLED_MODELS
from detectors.errors import (
    ModelError,
    ModelNotAllowedError,
    ModelUnavailableError,
    UnknownClassError,
    UnknownModelError,
)
from detectors.model_policy import ModelPolicy
from detectors.options import (
    BACKENDS,
    DEFAULT_MODEL,
    PRECISIONS,
    Backend,
    DetectorOptions,
    Precision,
)

if TYPE_CHECKING:
    from detectors.base import CLASS_NAME, Detector, PendingDetections
    from detectors.loader import load_detector

_LAZY = {
    "CLASS_NAME": "detectors.base",
    "Detector": "detectors.base",
    "PendingDetections": "detectors.base",
    "load_detector": "detectors.loader",
}


def __getattr__(name: str) -> object:
    """Import the heavy parts (numpy, supervision, OpenCV) when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BACKENDS",
    "BUNDLED_MODELS",
    "CLASS_NAME",
    "DEFAULT_MODEL",
    "PRECISIONS",
    "Backend",
    "Detector",
    "DetectorOptions",
    "ModelError",
    "ModelNotAllowedError",
    "ModelPolicy",
    "ModelUnavailableError",
    "PendingDetections",
    "Precision",
    "UnknownClassError",
    "UnknownModelError",
    "load_detector",
]

"""Object detectors: batches of BGR frames in, ``supervision.Detections`` out.

Backends: ultralytics YOLO exported to OpenVINO or ONNX Runtime (``exported``), ultralytics on
PyTorch (``ultralytics_yolo``) and Darknet through OpenCV DNN (``darknet``). A
permissively licensed backend plugs in by implementing :class:`detectors.base.Detector`.
"""

from detectors.base import CLASS_NAME, Detector, PendingDetections
from detectors.bundled import BUNDLED_MODELS
from detectors.errors import (
    ModelError,
    ModelNotAllowedError,
    ModelUnavailableError,
    UnknownClassError,
    UnknownModelError,
)
from detectors.loader import load_detector
from detectors.model_policy import ModelPolicy
from detectors.options import (
    BACKENDS,
    DEFAULT_MODEL,
    PRECISIONS,
    Backend,
    DetectorOptions,
    Precision,
)

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

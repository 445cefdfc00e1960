"""Object detectors: batches of BGR frames in, ``supervision.Detections`` out.

Backends: ultralytics YOLO (``ultralytics_yolo``) and Darknet through OpenCV DNN (``darknet``). A
permissively licensed backend plugs in by implementing :class:`detectors.base.Detector`.
"""

from detectors.base import CLASS_NAME, Detector
from detectors.bundled import BUNDLED_MODELS
from detectors.errors import ModelError, ModelUnavailableError, UnknownClassError, UnknownModelError
from detectors.loader import load_detector
from detectors.options import DEFAULT_MODEL, DetectorOptions

__all__ = [
    "BUNDLED_MODELS",
    "CLASS_NAME",
    "DEFAULT_MODEL",
    "Detector",
    "DetectorOptions",
    "ModelError",
    "ModelUnavailableError",
    "UnknownClassError",
    "UnknownModelError",
    "load_detector",
]

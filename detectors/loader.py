"""Turn a model spec (path, ultralytics name or bundled alias) into a ready :class:`Detector`."""

from __future__ import annotations

import logging
from pathlib import Path

from detectors.base import Detector
from detectors.bundled import BUNDLED_MODELS, COCO_YOLOV3_TINY, PERSON_YOLOV8S
from detectors.darknet import DarknetDetector
from detectors.errors import ModelUnavailableError, UnknownModelError
from detectors.filtering import ClassFilter
from detectors.online import downloads_possible
from detectors.options import DetectorOptions
from detectors.ultralytics_yolo import ClassMerge, UltralyticsDetector

log = logging.getLogger(__name__)

ULTRALYTICS_SUFFIXES = (".pt", ".onnx", ".torchscript", ".engine", ".mlpackage", ".tflite")
OFFLINE_HINT = "a bundled offline model (" + ", ".join(BUNDLED_MODELS) + ")"


def load_detector(options: DetectorOptions) -> Detector:
    """Build the detector ``options.model`` names, filtered to ``options.classes`` if given.

    Raises:
        UnknownModelError: the spec names nothing trackcast can load.
        ModelUnavailableError: the model is known but not on disk, and downloading is impossible.
        ModelError: the files exist but do not load.
    """
    detector = _load_backend(options)
    if options.classes:
        detector = ClassFilter(detector, options.classes)
    return detector


def _load_backend(options: DetectorOptions) -> Detector:
    spec = options.model
    if spec == PERSON_YOLOV8S.alias:
        (weights,) = PERSON_YOLOV8S.locate()
        merge = ClassMerge(into="person", attribute="posture")
        return _ultralytics(str(weights), options, merge)
    if spec == COCO_YOLOV3_TINY.alias:
        cfg, weights, names = COCO_YOLOV3_TINY.locate()
        return DarknetDetector(
            cfg, weights, names, imgsz=options.imgsz, conf=options.conf, iou=options.iou
        )
    path = Path(spec).expanduser()
    if path.is_file() or (path.is_dir() and path.name.endswith("_openvino_model")):
        return _ultralytics(str(path), options)
    if path.name in _ultralytics_asset_names() and path.parent == Path():
        return _ultralytics(_ultralytics_asset(path.name), options)
    if path.suffix in ULTRALYTICS_SUFFIXES:
        raise UnknownModelError(f"no such model file: {spec}; or use {OFFLINE_HINT}")
    raise UnknownModelError(
        f"unknown model {spec!r}: give a .pt or .onnx file, an ultralytics model name such as "
        f"yolo11n.pt, or {OFFLINE_HINT}"
    )


def _ultralytics(
    weights: str, options: DetectorOptions, merge: ClassMerge | None = None
) -> Detector:
    return UltralyticsDetector(
        weights,
        imgsz=options.imgsz,
        conf=options.conf,
        iou=options.iou,
        device=options.device,
        threads=options.threads,
        merge=merge,
    )


def _ultralytics_asset_names() -> frozenset[str]:
    from ultralytics.utils.downloads import GITHUB_ASSETS_NAMES

    return frozenset(GITHUB_ASSETS_NAMES)


def _ultralytics_asset(name: str) -> str:
    """Path of an ultralytics release asset already on disk, or ``name`` if it can be downloaded."""
    from ultralytics.utils import SETTINGS

    for candidate in (Path(name), Path(SETTINGS["weights_dir"]) / name):
        if candidate.is_file():
            return str(candidate)
    if not downloads_possible():
        raise ModelUnavailableError(
            f"model {name} is not on disk and cannot be downloaded (no internet); "
            f"put the file in the working directory, or use {OFFLINE_HINT}"
        )
    log.info("downloading %s through ultralytics", name)
    return name

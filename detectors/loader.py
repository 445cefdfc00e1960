"""Turn a model spec (path, ultralytics name or bundled alias) into a ready :class:`Detector`.

The backend follows ``DetectorOptions.backend``: ``auto`` runs ultralytics ``.pt`` weights on
OpenVINO on the CPU and on PyTorch on CUDA; segmentation models (``*-seg.pt``) always on PyTorch,
which returns their masks (``detectors.segments``). Other ultralytics formats (``.onnx``, an
``_openvino_model`` folder, ...) run through ultralytics itself (``torch``); the Darknet model
runs on OpenCV DNN.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from detectors.base import Detector
from detectors.bundled import BUNDLED_MODELS, COCO_YOLOV3_TINY, PERSON_YOLOV8S
from detectors.darknet import DarknetDetector
from detectors.devices import check_device
from detectors.errors import ModelError, ModelUnavailableError, UnknownModelError
from detectors.exported import ExportedDetector, Variant
from detectors.filtering import ClassFilter
from detectors.labels import ClassMerge
from detectors.online import downloads_possible
from detectors.options import DetectorOptions, Precision

log = logging.getLogger(__name__)

ULTRALYTICS_SUFFIXES = (".pt", ".onnx", ".torchscript", ".engine", ".mlpackage", ".tflite")
OFFLINE_HINT = "a bundled offline model (" + ", ".join(BUNDLED_MODELS) + ")"

Progress = Callable[[str], None]


def available_cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) or 1


def load_detector(options: DetectorOptions, *, progress: Progress | None = None) -> Detector:
    """Build the detector ``options.model`` names, filtered to ``options.classes`` if given.

    ``progress`` is told about slow first-use steps (export, INT8 calibration); by default they
    are logged.

    Raises:
        UnknownModelError: the spec names nothing trackcast can load.
        ModelUnavailableError: the model is known but not on disk, and downloading is impossible.
        ModelError: the files exist but do not load, or the backend or precision cannot run.
    """
    detector = _load_backend(options, progress)
    if options.classes:
        detector = ClassFilter(detector, options.classes)
    return detector


def model_class_names(options: DetectorOptions) -> Mapping[int, str]:
    """The classes ``options.model`` reports (a bundled model's merged classes included), read
    without exporting or compiling it: ultralytics weights load on PyTorch on the CPU.
    ``options.classes`` is ignored. Raises what :func:`load_detector` raises for the model."""
    cheap = replace(options, classes=(), device="cpu", backend="torch", precision="fp32")
    if options.model == COCO_YOLOV3_TINY.alias:  # runs on OpenCV DNN whatever is asked
        cheap = replace(cheap, device=None, backend="auto", precision="auto")
    detector = _load_backend(cheap, None)
    try:
        return dict(detector.class_names)
    finally:
        detector.close()


def _load_backend(options: DetectorOptions, progress: Progress | None) -> Detector:
    spec = options.model
    if spec == PERSON_YOLOV8S.alias:
        (weights,) = PERSON_YOLOV8S.locate()
        merge = ClassMerge(into="person", attribute="posture")
        return _ultralytics(weights, options, progress, merge)
    if spec == COCO_YOLOV3_TINY.alias:
        _only_auto(options, f"{spec} is a Darknet model run by OpenCV DNN")
        cfg, weights, names = COCO_YOLOV3_TINY.locate()
        return DarknetDetector(
            cfg, weights, names, imgsz=options.imgsz, conf=options.conf, iou=options.iou
        )
    path = Path(spec).expanduser()
    if path.is_file() or (path.is_dir() and path.name.endswith("_openvino_model")):
        return _ultralytics(path, options, progress)
    if path.name in _ultralytics_asset_names() and path.parent == Path():
        return _ultralytics(_ultralytics_asset(path.name), options, progress)
    if path.suffix in ULTRALYTICS_SUFFIXES:
        raise UnknownModelError(f"no such model file: {spec}; or use {OFFLINE_HINT}")
    raise UnknownModelError(
        f"unknown model {spec!r}: give a .pt or .onnx file, an ultralytics model name such as "
        f"yolo11n.pt, or {OFFLINE_HINT}"
    )


def _ultralytics(
    weights: Path,
    options: DetectorOptions,
    progress: Progress | None,
    merge: ClassMerge | None = None,
) -> Detector:
    backend = options.backend
    if backend == "auto":
        exportable = weights.suffix == ".pt" and not segmentation_name(weights)
        backend = "openvino" if exportable and not options.on_cuda else "torch"
    if backend == "torch":
        return _torch(weights, options, merge)
    if weights.suffix != ".pt":
        raise ModelError(
            f"the {backend} backend exports from ultralytics .pt weights; "
            f"{weights.name} runs with --backend torch (ultralytics runs it)"
        )
    if options.on_cuda:
        raise ModelError(f"the {backend} backend runs on the CPU; use --backend torch for CUDA")
    threads = options.threads or available_cores()
    if backend == "openvino":
        from detectors.openvino_backend import OpenVinoModel, check_precision, cpu_capabilities

        default_float: Precision = "bf16" if "BF16" in cpu_capabilities() else "fp32"
        variant, fallback = _variants(options, default_float, ("fp32", "bf16", "fp16", "int8"))
        check_precision(variant.precision)
        return ExportedDetector(
            weights,
            options,
            backend="openvino",
            variant=variant,
            fallback=fallback,
            load=lambda folder, v: OpenVinoModel(folder, v, threads),
            max_in_flight=threads,
            merge=merge,
            progress=progress,
        )
    from detectors.onnxruntime_backend import MAX_IN_FLIGHT, OnnxRuntimeModel

    variant, fallback = _variants(options, "fp32", ("fp32", "int8"), auto_int8=False)
    return ExportedDetector(
        weights,
        options,
        backend="onnxruntime",
        variant=variant,
        fallback=fallback,
        load=lambda folder, v: OnnxRuntimeModel(folder, v, threads),
        max_in_flight=MAX_IN_FLIGHT,
        merge=merge,
        progress=progress,
    )


def segmentation_name(weights: Path) -> bool:
    """Whether ``weights`` is named like an ultralytics segmentation model (``yolo11n-seg.pt``):
    those run on PyTorch, the only backend that returns their masks. A segmentation model under
    another name reaches the exporter, which refuses it with a message naming ``--backend torch``.
    """
    return weights.stem.endswith("-seg")


def _variants(
    options: DetectorOptions,
    default_float: Precision,
    supported: tuple[Precision, ...],
    *,
    auto_int8: bool = True,
) -> tuple[Variant, Variant | None]:
    """The variant to run and, for ``auto``, the float one to run without calibration."""
    float_variant = Variant(default_float, "fp32")
    precision = options.precision
    if precision == "auto":
        return (Variant("int8", "int8"), float_variant) if auto_int8 else (float_variant, None)
    if precision not in supported:
        raise ModelError(
            f"the {options.backend} backend runs {', '.join(supported)}, not {precision}"
        )
    return Variant(precision, "int8" if precision == "int8" else "fp32"), None


def _torch(weights: Path, options: DetectorOptions, merge: ClassMerge | None) -> Detector:
    from detectors.ultralytics_yolo import UltralyticsDetector  # imports torch: only here

    precision = options.precision
    if precision == "auto":
        precision = "fp16" if options.on_cuda else "fp32"
    if precision not in ("fp32", "fp16") or (precision == "fp16" and not options.on_cuda):
        raise ModelError(
            f"the torch backend runs fp32, or fp16 on CUDA, not {precision}; "
            "for int8 on the CPU use --backend openvino"
        )
    check_device(options.device)  # before ultralytics, which prints a banner and a page
    return UltralyticsDetector(
        str(weights),
        imgsz=options.imgsz,
        conf=options.conf,
        iou=options.iou,
        device=options.device,
        threads=options.threads or available_cores(),
        half=precision == "fp16",
        merge=merge,
    )


def _only_auto(options: DetectorOptions, why: str) -> None:
    if options.backend != "auto" or options.precision not in ("auto", "fp32"):
        raise ModelError(f"{why}: it takes --backend auto and --precision auto or fp32")


def _ultralytics_asset_names() -> frozenset[str]:
    from ultralytics.utils.downloads import GITHUB_ASSETS_NAMES

    return frozenset(GITHUB_ASSETS_NAMES)


def _ultralytics_asset(name: str) -> Path:
    """Path of an ultralytics release asset, downloaded first when it is not on disk."""
    from ultralytics.utils import SETTINGS

    for candidate in (Path(name), Path(SETTINGS["weights_dir"]) / name):
        if candidate.is_file():
            return candidate
    if not downloads_possible():
        raise ModelUnavailableError(
            f"model {name} is not on disk and cannot be downloaded (no internet); "
            f"put the file in the working directory, or use {OFFLINE_HINT}"
        )
    log.info("downloading %s through ultralytics", name)
    from ultralytics.utils.downloads import attempt_download_asset

    return Path(attempt_download_asset(name))

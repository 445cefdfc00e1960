"""A detector that runs an exported YOLO model (OpenVINO or ONNX Runtime) on the CPU.

On first use the ultralytics weights are exported (seconds) and, for INT8, quantized on frames of
the user's footage (about a minute); both are cached (``detectors.cache``), so later starts load
them at once. The export takes any input size: each stream shape gets an engine compiled for its
own letterboxed size (``detectors.letterbox``), the first time a frame of that shape is seen or
when :meth:`ExportedDetector.prepare` is called for it.

Pre- and post-processing are numpy and OpenCV (letterbox, ``detectors.yolo_output``), the same
for every backend; a backend only runs the network (:class:`Engine`).
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.base import Detector, Image, PendingDetections, Size
from detectors.cache import CacheKey, ModelCache, default_cache_dir, file_digest, read_manifest
from detectors.errors import ModelError
from detectors.export import ExportBackend, Tensor, export_float, quantize_int8
from detectors.labels import ClassMerge, Labeller
from detectors.letterbox import Letterbox, input_size
from detectors.options import DetectorOptions, Precision
from detectors.yolo_output import decode

log = logging.getLogger(__name__)

DEFAULT_IMGSZ = 640

Progress = Callable[[str], None]
Output = npt.NDArray[np.float32]


class Running(ABC):
    """Inference an :class:`Engine` started."""

    @abstractmethod
    def done(self) -> bool:
        """True once :meth:`outputs` would not wait."""

    @abstractmethod
    def outputs(self) -> list[Output]:
        """Wait, then each image's raw output, in order."""


class Engine(ABC):
    """A network compiled for one input size."""

    @abstractmethod
    def start(self, images: Sequence[Image], letterbox: Letterbox) -> Running:
        """Start inference on ``images`` (all of ``letterbox.frame`` size)."""


class BackendModel(ABC):
    """An exported model loaded by one runtime; compiles an :class:`Engine` per input size."""

    @abstractmethod
    def compile(self, size: Size, in_flight: int) -> Engine: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release threads and sessions."""


@dataclass(frozen=True, slots=True)
class Variant:
    """The precision that runs and the exported file it needs."""

    precision: Precision
    """What the user gets: never ``auto``."""
    file_precision: str
    """``fp32`` or ``int8``: which export is loaded."""


LoadModel = Callable[[Path, Variant], BackendModel]


class ExportedDetector(Detector):
    """Runs ultralytics weights exported to ``backend``, at ``variant``'s precision."""

    def __init__(
        self,
        weights: Path,
        options: DetectorOptions,
        *,
        backend: ExportBackend,
        variant: Variant,
        load: LoadModel,
        max_in_flight: int,
        merge: ClassMerge | None = None,
        progress: Progress | None = None,
        fallback: Variant | None = None,
    ) -> None:
        """``fallback`` runs instead of an INT8 ``variant`` that has no calibration (``auto``)."""
        self._options = options
        self._backend = backend
        self._variant = variant
        self._fallback = fallback
        self._load = load
        self._max_in_flight = max_in_flight
        self._progress = progress or log.info
        self._cache = ModelCache(options.cache_dir or default_cache_dir())
        self._weights = weights
        self._digest = file_digest(weights)
        self._float = self._build("fp32", lambda folder: export_float(weights, backend, folder))
        manifest = read_manifest(self._float) or {}
        names = {int(k): str(v) for k, v in dict(manifest.get("names", {})).items()}
        if not names:
            raise ModelError(f"{weights} reports no class names; is it a detection model?")
        self._labeller = Labeller(names, merge)
        self._imgsz = options.imgsz or DEFAULT_IMGSZ
        self._int8 = self._cache.lookup(self._key(self._int8_name))
        self._model: BackendModel | None = None
        self._engines: dict[tuple[Size, int], Engine] = {}
        self._in_flight = 1
        self._lock = threading.Lock()
        """Guards the engines, the model and the variant; held while one is built."""

    # -- the port ------------------------------------------------------------------------------

    @property
    def class_names(self) -> Mapping[int, str]:
        return self._labeller.class_names

    @property
    def max_in_flight(self) -> int:
        return self._max_in_flight

    @property
    def precision(self) -> Precision:
        return self._variant.precision

    def plan(self, in_flight: int) -> None:
        with self._lock:
            # engines compiled for the other balance are kept: cameras come and go
            self._in_flight = max(1, min(in_flight, self._max_in_flight))

    @property
    def calibration_frames_wanted(self) -> int:
        if self._variant.file_precision == "int8" and self._int8 is None:
            return self._options.calibration_frames
        return 0

    def prepare(self, frame_size: Size, calibration: Sequence[Image] = ()) -> None:
        with self._lock:
            self._calibrate(calibration)
            self._engine_locked(frame_size)

    def detect(self, frames: Sequence[Image]) -> list[sv.Detections]:
        return self.submit(frames).result()

    def submit(self, frames: Sequence[Image]) -> PendingDetections:
        groups: dict[Size, list[int]] = {}
        for index, frame in enumerate(frames):
            groups.setdefault((int(frame.shape[0]), int(frame.shape[1])), []).append(index)
        started = []
        for size, indices in groups.items():
            engine, letterbox = self._engine(size)
            running = engine.start([frames[i] for i in indices], letterbox)
            started.append((indices, letterbox, running))
        return _Pending(self, len(frames), started)

    def describe(self) -> str:
        return f"{self._backend} {self._variant.precision}"

    def close(self) -> None:
        with self._lock:
            self._engines.clear()
            if self._model is not None:
                self._model.close()
                self._model = None

    # -- internals -----------------------------------------------------------------------------

    @property
    def _int8_name(self) -> str:
        """INT8 calibration depends on the scale the model sees: one per ``imgsz``."""
        return f"int8-{self._imgsz}"

    def _key(self, precision: str) -> CacheKey:
        return CacheKey(self._weights.stem, self._digest, self._backend, precision)

    def _build(self, precision: str, make: Callable[[Path], dict[str, Any]]) -> Path:
        key = self._key(precision)
        found = self._cache.lookup(key)
        if found is not None:
            return found
        what = "exporting" if precision == "fp32" else "quantizing to INT8"
        self._progress(
            f"{what} {self._weights.name} for {self._backend} (first use; cached in "
            f"{self._cache.path(key)})"
        )
        return self._cache.build(key, make)

    def _calibrate(self, calibration: Sequence[Image]) -> None:
        """Make the INT8 model if it is wanted and missing (lock held)."""
        if self._variant.file_precision != "int8" or self._int8 is not None:
            return
        if not calibration:
            if self._fallback is None:
                raise ModelError(
                    "INT8 needs frames of your footage to calibrate on the first run "
                    "(trackcast track does this with the video itself, or --calibrate PATH)"
                )
            log.warning(
                "no calibration frames for INT8: running %s %s instead",
                self._backend,
                self._fallback.precision,
            )
            self._variant = self._fallback
            return
        tensors = [self._calibration_tensor(frame) for frame in calibration]
        shapes = sorted({f"{t.shape[2]}x{t.shape[3]}" for t in tensors})

        def make(folder: Path) -> dict[str, Any]:
            manifest = quantize_int8(self._float, self._backend, tensors, folder)
            manifest.update(
                names={str(k): v for k, v in self._labeller.raw_names.items()},
                calibration={"frames": len(tensors), "input_sizes": shapes},
            )
            return manifest

        self._int8 = self._build(self._int8_name, make)

    def _calibration_tensor(self, frame: Image) -> Tensor:
        letterbox = self._letterbox((int(frame.shape[0]), int(frame.shape[1])))
        padded = np.empty((*letterbox.input, 3), np.uint8)
        letterbox.apply(frame, padded)
        return np.asarray(cv2.dnn.blobFromImage(padded, 1 / 255.0, swapRB=True), np.float32)

    def _letterbox(self, frame_size: Size) -> Letterbox:
        return Letterbox(frame_size, input_size(frame_size, self._imgsz))

    def _engine(self, frame_size: Size) -> tuple[Engine, Letterbox]:
        with self._lock:
            return self._engine_locked(frame_size), self._letterbox(frame_size)

    def _engine_locked(self, frame_size: Size) -> Engine:
        letterbox = self._letterbox(frame_size)
        key = (letterbox.input, self._in_flight)
        engine = self._engines.get(key)
        if engine is None:
            self._calibrate(())
            if self._model is None:
                folder = self._int8 if self._variant.file_precision == "int8" else self._float
                assert folder is not None
                self._model = self._load(folder, self._variant)
            engine = self._model.compile(letterbox.input, self._in_flight)
            self._engines[key] = engine
        return engine

    def _decode(self, output: Output, letterbox: Letterbox) -> sv.Detections:
        boxes = decode(output, conf=self._options.conf, iou=self._options.iou)
        return self._labeller.detections(
            letterbox.to_frame(boxes.xyxy), boxes.confidence, boxes.class_id
        )


class _Pending(PendingDetections):
    def __init__(
        self,
        detector: ExportedDetector,
        count: int,
        started: list[tuple[list[int], Letterbox, Running]],
    ) -> None:
        self._detector = detector
        self._count = count
        self._started = started

    def done(self) -> bool:
        return all(running.done() for _, _, running in self._started)

    def result(self) -> list[sv.Detections]:
        found: list[sv.Detections | None] = [None] * self._count
        for indices, letterbox, running in self._started:
            for index, output in zip(indices, running.outputs(), strict=True):
                found[index] = self._detector._decode(output, letterbox)
        return [d for d in found if d is not None]

"""What a user can choose about detection, independent of the backend that runs it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

DEFAULT_MODEL = "yolo11n.pt"
"""Downloaded by ultralytics on first use when online; offline, use a bundled model instead."""

Backend = Literal["auto", "torch", "openvino", "onnxruntime"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
Precision = Literal["auto", "fp32", "bf16", "fp16", "int8"]
PRECISIONS: tuple[Precision, ...] = get_args(Precision)

DEFAULT_CALIBRATION_FRAMES = 100
"""Frames of the user's own footage that calibrate an INT8 model (NNCF post-training)."""


@dataclass(frozen=True, slots=True)
class DetectorOptions:
    """Settings shared by every detector backend.

    Attributes:
        model: A weights path (``.pt``, ``.onnx``), an ultralytics model name or a bundled alias.
        imgsz: Inference size in pixels (multiple of 32): the longer side of the model input.
            Exported backends letterbox each stream to its own aspect at this size (480x640 for
            4:3 video, 384x640 for 16:9) instead of a square. None takes the backend's default.
        conf: Minimum confidence of a reported box. Low on purpose: ByteTrack extends tracks with
            boxes between this and its ``high_thresh`` (0.25), and starts tracks only at
            ``new_track_thresh`` (0.25). The defaults are those of ultralytics' ``model.track``.
        iou: IoU above which non-maximum suppression merges two boxes of a class.
        classes: Class names to keep; empty keeps every class.
        device: Torch device for ultralytics models (``cpu``, ``cuda:0``); None lets it choose.
        threads: CPU threads for inference; None uses every core the process may run on.
        backend: ``torch`` (ultralytics on PyTorch), ``openvino`` or ``onnxruntime`` (models
            exported from the ultralytics weights on first use and cached), or ``auto``:
            OpenVINO on the CPU, PyTorch on CUDA.
        precision: ``fp32``, ``bf16`` and ``fp16`` (where the hardware runs them), ``int8``
            (calibrated with NNCF on the user's own footage), or ``auto``: INT8 for OpenVINO,
            FP16 for PyTorch on CUDA, FP32 otherwise.
        calibration_frames: How many frames calibrate an INT8 model.
        cache_dir: Where exported models are kept; None: ``$TRACKCAST_CACHE_DIR``, else
            ``$XDG_CACHE_HOME/trackcast`` or ``~/.cache/trackcast``.
    """

    model: str = DEFAULT_MODEL
    imgsz: int | None = None
    conf: float = 0.1
    iou: float = 0.7
    classes: tuple[str, ...] = ()
    device: str | None = None
    threads: int | None = None
    backend: Backend = "auto"
    precision: Precision = "auto"
    calibration_frames: int = DEFAULT_CALIBRATION_FRAMES
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")
        if self.imgsz is not None and (self.imgsz < 32 or self.imgsz % 32):
            raise ValueError(f"imgsz must be a positive multiple of 32, got {self.imgsz}")
        if not 0.0 <= self.conf <= 1.0:
            raise ValueError(f"conf must be between 0 and 1, got {self.conf}")
        if not 0.0 < self.iou <= 1.0:
            raise ValueError(f"iou must be in (0, 1], got {self.iou}")
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}; choose one of {_list(BACKENDS)}")
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"unknown precision {self.precision!r}; choose one of {_list(PRECISIONS)}"
            )
        if self.calibration_frames < 1:
            raise ValueError(
                f"calibration_frames must be at least 1, got {self.calibration_frames}"
            )

    @property
    def on_cuda(self) -> bool:
        return self.device is not None and self.device.startswith("cuda")


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(values)

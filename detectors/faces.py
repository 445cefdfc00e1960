"""The offline face detector for privacy masking: MTCNN, as facenet-pytorch publishes it.

Its code and weights are fetched out of the pinned wheel (``python -m detectors.fetch
mtcnn-faces``, see :data:`detectors.bundled.MTCNN_FACES`) and imported from the models folder
under a private package name, so nothing is installed and nothing is downloaded at run time.
A :class:`FaceDetector` is not thread-safe: each camera owns one, used on its worker's thread.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from detectors.bundled import MTCNN_FACES
from detectors.errors import ModelUnavailableError

Image = npt.NDArray[np.uint8]
Boxes = npt.NDArray[np.float64]
"""(N, 4) x1, y1, x2, y2 in pixels."""

MIN_FACE_PX = 20
"""The smallest face MTCNN looks for, in pixels of the image it is given."""
_PACKAGE = "_trackcast_facenet"
_import_lock = threading.Lock()


def face_model_problem(root: Path | None = None) -> str | None:
    """Why faces cannot be masked here (the model's files are missing: the message says how to
    fetch them), or None."""
    try:
        MTCNN_FACES.locate(root)
    except ModelUnavailableError as error:
        return str(error)
    return None


def _mtcnn_module(root: Path | None) -> Any:
    """facenet-pytorch's ``models/mtcnn.py`` from the models folder, imported as
    ``_trackcast_facenet.models.mtcnn`` (its relative import finds ``utils/detect_face.py``
    beside it; its weights load from ``../data``)."""
    MTCNN_FACES.locate(root)  # ModelUnavailableError naming the fetch command
    package = MTCNN_FACES.folder(root) / "facenet_pytorch"
    with _import_lock:
        for name, folder in (
            (_PACKAGE, package),
            (f"{_PACKAGE}.models", package / "models"),
            (f"{_PACKAGE}.models.utils", package / "models" / "utils"),
        ):
            if name not in sys.modules:
                module = types.ModuleType(name)
                module.__path__ = [str(folder)]
                sys.modules[name] = module
        return importlib.import_module(f"{_PACKAGE}.models.mtcnn")


def _torchvision_nms_works() -> bool:
    """torchvision's compiled NMS loads: not where torchvision's build does not match torch's
    (constraints/cpu.txt pairs PyTorch's CPU torch with PyPI's torchvision)."""
    try:
        import torch

        ops: Any = importlib.import_module("torchvision.ops")  # untyped
        ops.nms(torch.zeros((1, 4)), torch.ones(1), 0.5)
    except Exception:
        return False
    return True


def _numpy_batched_nms(module: Any) -> Any:
    """facenet-pytorch's own NumPy NMS in place of torchvision's ``batched_nms``."""

    def batched_nms(boxes: Any, scores: Any, idxs: Any, threshold: float) -> Any:
        return module.batched_nms_numpy(boxes, scores, idxs, threshold, "Union")

    return batched_nms


class FaceDetector:
    """MTCNN on the CPU: :meth:`detect` finds faces in a BGR image."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        threshold: float = 0.7,
        numpy_nms: bool | None = None,
    ) -> None:
        """``numpy_nms``: use facenet-pytorch's NumPy NMS instead of torchvision's compiled one;
        None: only where torchvision's does not load."""
        module = _mtcnn_module(root)
        if numpy_nms if numpy_nms is not None else not _torchvision_nms_works():
            # module-wide, for every FaceDetector: harmless, the NumPy NMS gives the same boxes
            steps: Any = sys.modules[f"{_PACKAGE}.models.utils.detect_face"]
            steps.batched_nms = _numpy_batched_nms(steps)
        self._threshold = threshold
        self._mtcnn = module.MTCNN(
            keep_all=True, device="cpu", min_face_size=MIN_FACE_PX, select_largest=False
        ).eval()

    def detect(self, image: Image) -> Boxes:
        """The faces in ``image`` (BGR) scoring at least the threshold, as (N, 4) boxes."""
        if image.shape[0] < MIN_FACE_PX or image.shape[1] < MIN_FACE_PX:
            return np.zeros((0, 4), dtype=np.float64)
        rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        boxes, scores = self._mtcnn.detect(rgb)
        if boxes is None:
            return np.zeros((0, 4), dtype=np.float64)
        # facenet-pytorch returns object arrays under numpy 2
        found = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        keep = np.asarray(scores, dtype=np.float64).reshape(-1) >= self._threshold
        return found[keep]

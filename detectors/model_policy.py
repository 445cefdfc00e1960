"""Which ``detector.model`` values a service may load: aliases, ultralytics names, model roots.

Model files are unpickled, which can run code, so a service loads files only from directories its
config names. The CLI's ``--model PATH`` is the user's own command line and uses no policy.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from detectors.bundled import BUNDLED_MODELS
from detectors.errors import ModelNotAllowedError

ULTRALYTICS_NAME = re.compile(
    r"(?:yolo|rtdetr|sam|mobile_sam|fastsam)[a-z0-9_.-]*\.(?:pt|yaml)", re.IGNORECASE
)
"""A bare ultralytics model name (``yolo11n.pt``, ``yolov8s.pt``, ``yolo11n.yaml``,
``rtdetr-l.pt``, ``FastSAM-s.pt``): ultralytics downloads or builds these, no path involved."""


@dataclass(frozen=True, slots=True)
class ModelPolicy:
    """Where model files may come from; the default allows aliases and ultralytics names only."""

    roots: tuple[str, ...] = ()
    """Directories model files may come from (symbolic links resolved on both sides)."""

    def check(self, spec: str) -> None:
        """Return if ``spec`` may be loaded, else raise :class:`ModelNotAllowedError`.

        A path outside the roots gets the same answer whether or not it exists.
        """
        if spec in BUNDLED_MODELS or ULTRALYTICS_NAME.fullmatch(spec):
            return
        path = os.path.realpath(Path(spec).expanduser())
        roots = [os.path.realpath(Path(root).expanduser()) for root in self.roots]
        if any(os.path.commonpath((root, path)) == root for root in roots):
            return
        raise ModelNotAllowedError(
            f"detector.model {spec!r} is not allowed: use an offline alias "
            f"({', '.join(BUNDLED_MODELS)}), an ultralytics model name such as yolo11n.pt, or a "
            "file under sources.model_roots (add its directory there in the config)"
        )

"""Privacy masking of what leaves the process: static zones filled black, chosen classes' tracked
boxes pixelated, blurred or blacked out.

Pure: :func:`apply_privacy` returns a masked copy and never touches the frame it is given, which
the detector, the tracker and the motion gate keep reading unmasked.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.base import CLASS_NAME
from outputs.face_privacy import FaceSettings

Image = npt.NDArray[np.uint8]


class PrivacyMode(enum.Enum):
    """How a tracked box is hidden."""

    PIXELATE = "pixelate"
    BLUR = "blur"
    BLACK = "black"


@dataclass(frozen=True, slots=True)
class PrivacyZone:
    """A polygon always filled black: ``normalized`` corners are fractions of the frame's width
    and height, otherwise pixels."""

    polygon: tuple[tuple[float, float], ...]
    normalized: bool = False

    def pixels(self, width: int, height: int) -> npt.NDArray[np.int32]:
        points = np.array(self.polygon, dtype=np.float64)
        if self.normalized:
            points = points * (width, height)
        return np.round(points).astype(np.int32)


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """One camera's masking: which classes' boxes, how, how much margin, which zones."""

    classes: frozenset[str] = frozenset()
    mode: PrivacyMode = PrivacyMode.PIXELATE
    padding: float = 0.1
    """Each side of a box grows by this fraction of its width (height), plus ``MIN_PADDING_PX``:
    a box that lags the object by a frame still covers it."""
    block_px: int = 16
    """Smallest pixelation cell; a box is at most ``MAX_CELLS`` cells across, so a close-up
    person's face is a few cells, never a recognisable mosaic. Blur kernels scale with the box."""
    zones: tuple[PrivacyZone, ...] = ()
    faces: FaceSettings | None = None
    """Faces hidden too (found by :class:`outputs.face_privacy.FaceMasker`); None: not."""

    @property
    def active(self) -> bool:
        return bool(self.classes or self.zones or self.faces)

    @property
    def hides_objects(self) -> bool:
        """Something in the frame is hidden where a detector finds it (classes or faces)."""
        return bool(self.classes or self.faces)


MIN_PADDING_PX = 4
MAX_CELLS = 16


def apply_privacy(
    frame: Image,
    tracks: sv.Detections,
    settings: PrivacySettings,
    detections: sv.Detections | None = None,
    faces: Sequence[tuple[float, float, float, float]] = (),
) -> Image:
    """A copy of ``frame`` with ``settings``' zones filled black and the boxes of its classes
    hidden; ``frame`` itself unchanged (returned as is when nothing applies).

    ``detections``, the detector's raw boxes for the frame, are hidden as well: a person the
    tracker has not confirmed yet has no track, but must not show either. ``faces`` (pixel
    boxes) are hidden the same way, padded like the boxes."""
    height, width = frame.shape[:2]
    boxes = _boxes(tracks, settings, width, height)
    if detections is not None:
        boxes += _boxes(detections, settings, width, height)
    boxes += [b for face in faces if (b := _padded(face, settings, width, height)) is not None]
    if not settings.zones and not boxes:
        return frame
    masked = frame.copy()
    for x1, y1, x2, y2 in boxes:
        _hide(masked[y1:y2, x1:x2], settings)
    for zone in settings.zones:
        cv2.fillPoly(masked, [zone.pixels(width, height)], (0, 0, 0))
    return masked


def _boxes(
    tracks: sv.Detections, settings: PrivacySettings, width: int, height: int
) -> list[tuple[int, int, int, int]]:
    """The padded integer boxes of the chosen classes, clamped to the frame; empty ones left out."""
    if not settings.classes or len(tracks) == 0:
        return []
    names = tracks.data.get(CLASS_NAME)
    if names is None:
        return []
    boxes: list[tuple[int, int, int, int]] = []
    for box, name in zip(tracks.xyxy, names, strict=True):
        if str(name) not in settings.classes or not np.all(np.isfinite(box)):
            continue
        x1, y1, x2, y2 = (float(v) for v in box)
        padded = _padded((x1, y1, x2, y2), settings, width, height)
        if padded is not None:
            boxes.append(padded)
    return boxes


def _padded(
    box: tuple[float, float, float, float], settings: PrivacySettings, width: int, height: int
) -> tuple[int, int, int, int] | None:
    """``box`` grown by the padding and clamped to the frame; None if nothing is left."""
    x1, y1, x2, y2 = box
    pad_x = (x2 - x1) * settings.padding + MIN_PADDING_PX
    pad_y = (y2 - y1) * settings.padding + MIN_PADDING_PX
    left, top = max(0, int(np.floor(x1 - pad_x))), max(0, int(np.floor(y1 - pad_y)))
    right = min(width, int(np.ceil(x2 + pad_x)))
    bottom = min(height, int(np.ceil(y2 + pad_y)))
    return (left, top, right, bottom) if right > left and bottom > top else None


def _hide(region: Image, settings: PrivacySettings) -> None:
    """Hide ``region`` (a view into the copy) in place."""
    height, width = region.shape[:2]
    if settings.mode is PrivacyMode.BLACK:
        region[:] = 0
    elif settings.mode is PrivacyMode.PIXELATE:
        cell = max(settings.block_px, -(-max(width, height) // MAX_CELLS))
        small = (max(1, width // cell), max(1, height // cell))
        cells = cv2.resize(region, small, interpolation=cv2.INTER_AREA)
        region[:] = cv2.resize(cells, (width, height), interpolation=cv2.INTER_NEAREST)
    else:
        # A box blur as wide as a quarter of the box, twice: no feature survives it.
        kernel = (max(3, width // 4) | 1, max(3, height // 4) | 1)
        region[:] = cv2.blur(cv2.blur(region, kernel), kernel)

"""Where the faces to hide are in a published frame: found by a face detector inside the upper
part of each tracked person (checked again every ``check_s`` per track, the faces carried with
the person's box in between) and, every ``scan_s``, in the whole frame downscaled (found faces
held until the next scan), so a face without a person box is hidden too.

When unsure it hides the head: a person not checked yet (more than ``MAX_CHECKS_PER_FRAME`` due
in one frame, or not tracked yet) or too small for the detector gets the top of its box hidden.
A :class:`FaceMasker` belongs to one camera and is used on its worker's thread only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.base import CLASS_NAME

Image = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]
FindFaces = Callable[[Image], npt.NDArray[np.float64]]
"""A face detector: (N, 4) boxes in pixels of the image it is given."""

PERSON = "person"
HEAD_SHARE = 0.5
"""The upper share of a person's box searched for a face."""
HIDDEN_HEAD_SHARE = 0.4
"""The upper share of a person's box hidden when its face is unknown (generous: a person
bending forward has the face lower than an upright one)."""
CROP_HEIGHT_PX = 96
"""The searched head region is scaled to this height: a face is about a quarter of it (24 px),
above MTCNN's 20 px minimum; smaller crops cost little less (the cascade's fixed stages)."""
MIN_PERSON_PX = 48
"""A person shorter than this has a face too small to find: its head is hidden instead."""
MAX_CHECKS_PER_FRAME = 1
"""Tracks whose face is looked for in one frame; the other due ones wait for later frames (and
none in a frame that gets the whole-frame scan), so one frame waits for one search at most."""
SCAN_SIDE_PX = 320
"""The whole-frame scan runs on the frame scaled down to this longer side: it is there for
close faces without a person box (20 px here is a sixteenth of the frame), cheaply."""
FACE_MARGIN = 0.25
"""Each side of a found face grows by this share of its size (faces move between checks)."""
HOLD_S = 2.0
"""A face found on a track stays hidden this long after the checks stop finding it."""
FORGET_S = 10.0
"""A track unseen this long is forgotten."""


@dataclass(frozen=True, slots=True)
class FaceSettings:
    check_s: float = 1.0
    """Each tracked person's head region is searched again after this many seconds."""
    scan_s: float = 2.0
    """The whole frame is searched every this many seconds; 0: never."""


@dataclass
class _TrackFaces:
    faces: list[Box] = field(default_factory=list)
    """Faces as fractions of the person's box (x1, y1, x2, y2)."""
    checked_at: float = float("-inf")
    found_at: float = float("-inf")
    seen_at: float = 0.0


@dataclass
class FaceMasker:
    find: FindFaces
    settings: FaceSettings = field(default_factory=FaceSettings)
    clock: Callable[[], float] = time.monotonic
    checks: int = 0
    """Head regions searched so far."""
    scans: int = 0
    """Whole-frame searches so far."""
    _tracks: dict[int, _TrackFaces] = field(default_factory=dict)
    _scanned: list[Box] = field(default_factory=list)
    _scanned_at: float = float("-inf")

    def faces(
        self, frame: Image, tracks: sv.Detections, detections: sv.Detections | None = None
    ) -> list[Box]:
        """The boxes (pixels, with a margin) to hide in ``frame``: faces found, and heads whose
        face is unknown. ``tracks`` and the frame's raw ``detections`` give the persons."""
        now = self.clock()
        height, width = frame.shape[:2]
        hidden: list[Box] = []
        scan = self.settings.scan_s > 0 and now - self._scanned_at >= self.settings.scan_s
        tracked = _persons(tracks, with_ids=True)
        due = sorted(
            (self._tracks.get(track_id, _TrackFaces()).checked_at, track_id)
            for track_id, box in tracked.items()
            if _tall_enough(box)
            and now - self._tracks.get(track_id, _TrackFaces()).checked_at >= self.settings.check_s
        )
        check_now = {track_id for _, track_id in due[: 0 if scan else MAX_CHECKS_PER_FRAME]}
        for track_id, box in tracked.items():
            state = self._tracks.setdefault(track_id, _TrackFaces())
            state.seen_at = now
            if not _tall_enough(box):
                hidden.append(_head(box))
                continue
            if track_id in check_now:
                self._check(frame, box, state, now)
            if state.checked_at == float("-inf"):
                hidden.append(_head(box))
            hidden.extend(_from_relative(face, box) for face in state.faces)
        if detections is not None:
            boxes = list(tracked.values())
            for box in _persons(detections, with_ids=False).values():
                if not any(_iou(box, other) > 0.5 for other in boxes):
                    hidden.append(_head(box))  # not tracked yet: its face is unknown
        if scan:
            self._scanned = self._scan(frame)
            self._scanned_at = now
        hidden.extend(self._scanned)
        self._tracks = {k: v for k, v in self._tracks.items() if now - v.seen_at < FORGET_S}
        return [_clamped(_grown(box), width, height) for box in hidden]

    def _check(self, frame: Image, box: Box, state: _TrackFaces, now: float) -> None:
        x1, y1, x2, y2 = box
        pad = (x2 - x1) * 0.1
        left, top = max(0, int(x1 - pad)), max(0, int(y1 - pad))
        right = min(frame.shape[1], int(np.ceil(x2 + pad)))
        bottom = min(frame.shape[0], int(np.ceil(y1 + (y2 - y1) * HEAD_SHARE)))
        state.checked_at = now
        if right - left < 2 or bottom - top < 2:
            return
        scale = CROP_HEIGHT_PX / (bottom - top)
        crop = np.asarray(
            cv2.resize(
                frame[top:bottom, left:right],
                (max(1, round((right - left) * scale)), CROP_HEIGHT_PX),
                interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
            ),
            dtype=np.uint8,
        )
        self.checks += 1
        found = self.find(crop) / scale + (left, top, left, top)
        if len(found):
            state.faces = [_to_relative(_as_box(face), box) for face in found]
            state.found_at = now
        elif now - state.found_at > HOLD_S:
            state.faces = []

    def _scan(self, frame: Image) -> list[Box]:
        height, width = frame.shape[:2]
        scale = min(1.0, SCAN_SIDE_PX / max(width, height))
        size = (round(width * scale), round(height * scale))
        small = (
            frame
            if scale == 1.0
            else np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
        )
        self.scans += 1
        return [_as_box(face / scale) for face in self.find(small)]


def _persons(detections: sv.Detections, *, with_ids: bool) -> dict[int, Box]:
    """The person boxes, by track id (``with_ids``) or by index."""
    names = detections.data.get(CLASS_NAME)
    if names is None or len(detections) == 0:
        return {}
    ids = detections.tracker_id if with_ids else None
    if with_ids and ids is None:
        return {}
    found: dict[int, Box] = {}
    for index, (box, name) in enumerate(zip(detections.xyxy, names, strict=True)):
        if str(name) == PERSON and np.all(np.isfinite(box)):
            key = int(ids[index]) if ids is not None else index
            found[key] = _as_box(box)
    return found


def _as_box(values: npt.NDArray[np.float64] | npt.NDArray[np.float32]) -> Box:
    x1, y1, x2, y2 = (float(v) for v in values[:4])
    return (x1, y1, x2, y2)


def _tall_enough(box: Box) -> bool:
    return box[3] - box[1] >= MIN_PERSON_PX


def _head(box: Box) -> Box:
    x1, y1, x2, y2 = box
    return (x1, y1, x2, y1 + (y2 - y1) * HIDDEN_HEAD_SHARE)


def _to_relative(face: Box, person: Box) -> Box:
    x1, y1, x2, y2 = person
    w, h = max(x2 - x1, 1e-6), max(y2 - y1, 1e-6)
    return ((face[0] - x1) / w, (face[1] - y1) / h, (face[2] - x1) / w, (face[3] - y1) / h)


def _from_relative(face: Box, person: Box) -> Box:
    x1, y1, x2, y2 = person
    w, h = x2 - x1, y2 - y1
    return (x1 + face[0] * w, y1 + face[1] * h, x1 + face[2] * w, y1 + face[3] * h)


def _grown(box: Box) -> Box:
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * FACE_MARGIN, (y2 - y1) * FACE_MARGIN
    return (x1 - dx, y1 - dy, x2 + dx, y2 + dy)


def _clamped(box: Box, width: int, height: int) -> Box:
    x1, y1, x2, y2 = box
    return (max(0.0, x1), max(0.0, y1), min(float(width), x2), min(float(height), y2))


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0

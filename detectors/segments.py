"""Instance masks as polygons: what a segmentation model's masks become in the detector.

A mask at frame resolution is large (a 1080p frame is 2 MB per object) and nothing downstream
needs the pixels: overlays, the viewer, JSONL and dataset labels all take polygons. The detector
turns each mask into one polygon at once (the outline of its largest connected part, simplified
to at most :data:`MAX_POINTS` corners) and keeps only that, in ``Detections.data[POLYGON]``: a
list with one ``(k, 2)`` int32 array of frame pixel coordinates per box, ``k == 0`` where the
mask was empty. Detections of a segmentation model always carry the column (empty or not);
other models' never do.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import supervision as sv

POLYGON = "polygon"
"""Key of ``Detections.data`` holding each box's polygon."""

MAX_POINTS = 64
"""Most corners a polygon keeps; the outline is simplified until it fits."""

Polygon = npt.NDArray[np.int32]
"""``(k, 2)`` x, y corners in frame pixels."""


def no_polygon() -> Polygon:
    return np.zeros((0, 2), dtype=np.int32)


def mask_polygon(mask: npt.NDArray[Any], max_points: int = MAX_POINTS) -> npt.NDArray[np.float32]:
    """The outline of ``mask``'s largest connected part (mask pixel coordinates), simplified to
    at most ``max_points`` corners; ``(0, 2)`` for an empty mask."""
    binary = np.ascontiguousarray(mask > 0, dtype=np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return np.zeros((0, 2), dtype=np.float32)
    largest = max(contours, key=cv2.contourArea)
    if cv2.contourArea(largest) <= 0:  # a line or a point: no outline to draw or label
        return np.zeros((0, 2), dtype=np.float32)
    epsilon = 0.002 * cv2.arcLength(largest, closed=True)
    simplified = largest
    while len(simplified) > max_points:
        simplified = cv2.approxPolyDP(largest, epsilon, closed=True)
        epsilon *= 1.5
    return np.asarray(simplified, dtype=np.float32).reshape(-1, 2)


def to_frame(
    points: npt.NDArray[np.float32], mask_size: tuple[int, int], frame_size: tuple[int, int]
) -> Polygon:
    """Mask coordinates to frame pixels, undoing ultralytics' centred letterbox (the same
    arithmetic as ``ultralytics.utils.ops.scale_coords``, in plain numpy), clipped to the frame.
    Sizes are (height, width)."""
    (mask_h, mask_w), (frame_h, frame_w) = mask_size, frame_size
    gain = min(mask_h / frame_h, mask_w / frame_w)
    new_h, new_w = max(round(frame_h * gain), 1), max(round(frame_w * gain), 1)
    pad_x, pad_y = round((mask_w - new_w) / 2 - 0.1), round((mask_h - new_h) / 2 - 0.1)
    x = (points[:, 0] - pad_x) * frame_w / new_w
    y = (points[:, 1] - pad_y) * frame_h / new_h
    corners = np.column_stack([np.clip(x, 0, frame_w), np.clip(y, 0, frame_h)])
    return np.rint(corners).astype(np.int32).reshape(-1, 2)


def polygons(detections: sv.Detections) -> list[Polygon] | None:
    """The detections' polygons, or None when they have none (not a segmentation model)."""
    column = detections.data.get(POLYGON)
    if column is None:
        return None
    return [np.asarray(p, dtype=np.int32).reshape(-1, 2) for p in column]

"""Where tracks were: a per-camera presence grid, rendered as a colour-mapped PNG overlay.

Every analysed frame adds one to the grid cell under each track's anchor (bottom centre of the box
by default), so a cell's value is the number of track-frames spent there since the last
:meth:`Heatmap.reset`. The grid has one cell per ``cell_px`` x ``cell_px`` pixels of the frame.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
import numpy.typing as npt

from analytics.base import Analyser
from analytics.geometry import anchor_points
from config.geometry import Anchor
from outputs.errors import OutputError
from outputs.records import FrameResult

DEFAULT_CELL_PX = 8
OVERLAY_ALPHA = 0.5
"""Weight of the colour map where it is drawn over a background."""


class Heatmap(Analyser):
    """Accumulated presence of one camera's tracks."""

    def __init__(
        self, camera_id: str, *, cell_px: int = DEFAULT_CELL_PX, anchor: Anchor = "bottom_center"
    ) -> None:
        if cell_px < 1:
            raise ValueError(f"heatmap cell size must be at least 1 pixel, got {cell_px}")
        self.camera_id = camera_id
        self.cell_px = cell_px
        self.anchor: Anchor = anchor
        self._grid: npt.NDArray[np.float32] | None = None
        self._frame_size: tuple[int, int] | None = None
        self._frames = 0
        self._lock = threading.Lock()

    def update(self, result: FrameResult) -> None:
        if not result.analysed:
            return
        height, width = result.image.shape[:2]
        points = anchor_points(result.tracks.xyxy, self.anchor)
        if result.tracks.tracker_id is not None:
            points = points[result.tracks.tracker_id >= 0]
        shape = (-(-height // self.cell_px), -(-width // self.cell_px))
        # Boxes may reach past the frame (a person at the bottom edge): count them at the edge.
        rows = np.clip(points[:, 1] // self.cell_px, 0, shape[0] - 1).astype(np.intp)
        columns = np.clip(points[:, 0] // self.cell_px, 0, shape[1] - 1).astype(np.intp)
        with self._lock:
            if self._grid is None or self._frame_size != (width, height):
                self._grid, self._frame_size = np.zeros(shape, dtype=np.float32), (width, height)
            np.add.at(self._grid, (rows, columns), 1.0)
            self._frames += 1

    def finish(self, now: float) -> None:
        """Nothing to close: the grid stays readable after the camera stops."""

    def reset(self) -> None:
        """Start accumulating again from an empty grid."""
        with self._lock:
            if self._grid is not None:
                self._grid[:] = 0
            self._frames = 0

    @property
    def frames(self) -> int:
        """Frames accumulated since the last reset."""
        with self._lock:
            return self._frames

    def grid(self) -> npt.NDArray[np.float32]:
        """A copy of the grid (rows x columns of cells); empty before the first frame."""
        with self._lock:
            if self._grid is None:
                return np.zeros((0, 0), dtype=np.float32)
            return self._grid.copy()

    def render_png(self, background: npt.NDArray[np.uint8] | None = None) -> bytes:
        """The heatmap as PNG bytes: a JET colour map scaled to the busiest cell, at the frame's
        size, blended over ``background`` (a BGR frame, resized to fit) where anything was seen."""
        with self._lock:
            grid = None if self._grid is None else self._grid.copy()
            size = self._frame_size
        if background is not None:
            height, width = background.shape[:2]
        elif size is not None:
            width, height = size
        else:
            raise ValueError(f"camera {self.camera_id}: no frame analysed yet, no heatmap to draw")
        if grid is None:
            grid = np.zeros((1, 1), dtype=np.float32)
        peak = float(grid.max())
        levels = (grid * (255.0 / peak) if peak > 0 else grid).astype(np.uint8)
        scaled = cv2.resize(levels, (width, height), interpolation=cv2.INTER_LINEAR)
        picture = cv2.applyColorMap(scaled, cv2.COLORMAP_JET)
        if background is not None:
            blended = cv2.addWeighted(background, 1 - OVERLAY_ALPHA, picture, OVERLAY_ALPHA, 0)
            seen = scaled > 0
            picture = background.copy()
            picture[seen] = blended[seen]
        ok, encoded = cv2.imencode(".png", picture)
        if not ok:
            raise OutputError(f"camera {self.camera_id}: could not encode the heatmap as PNG")
        return encoded.tobytes()

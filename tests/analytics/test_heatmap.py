"""The presence grid and its PNG overlay, from hand-built frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from analytics import Heatmap
from tests.analytics.test_lines import frame


def test_each_analysed_frame_adds_each_tracks_anchor_to_its_cell() -> None:
    heat = Heatmap("cam", cell_px=10)
    for i in range(5):  # frames are 400 x 200: a 20 x 40 grid
        heat.update(frame(i, (1, 55, 120), (2, 399, 199)))
    heat.update(frame(5, (1, 55, 120)))
    grid = heat.grid()
    assert grid.shape == (20, 40) and grid.dtype == np.float32
    assert grid[12, 5] == 6 and grid[19, 39] == 5
    assert grid.sum() == 11 and heat.frames == 6


def test_anchors_past_the_frame_count_at_its_edge() -> None:
    heat = Heatmap("cam", cell_px=10)
    heat.update(frame(0, (1, 500, 100), (2, -3, 100), (3, 50, 200)))  # bottom edge: y = height
    grid = heat.grid()
    assert grid[10, 39] == 1 and grid[10, 0] == 1 and grid[19, 5] == 1 and grid.sum() == 3


def test_reset_starts_again() -> None:
    heat = Heatmap("cam")
    heat.update(frame(0, (1, 50, 50)))
    heat.reset()
    assert heat.grid().sum() == 0 and heat.frames == 0


def test_render_png_colours_where_tracks_were_over_the_background() -> None:
    heat = Heatmap("cam", cell_px=8)
    for i in range(10):
        heat.update(frame(i, (1, 100, 100)))
    background = np.full((200, 400, 3), 200, dtype=np.uint8)
    png = heat.render_png(background)
    assert png.startswith(b"\x89PNG")
    picture = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None and picture.shape == (200, 400, 3)
    assert picture[0, 0].tolist() == [200, 200, 200]  # nobody there: the background untouched
    assert picture[100, 100].tolist() != [200, 200, 200]  # the busiest cell is coloured
    alone = cv2.imdecode(np.frombuffer(heat.render_png(), np.uint8), cv2.IMREAD_COLOR)
    assert alone is not None and alone.shape == (200, 400, 3)  # the frame size, no background


def test_render_before_any_frame_needs_a_background() -> None:
    heat = Heatmap("cam")
    with pytest.raises(ValueError, match="no frame analysed yet"):
        heat.render_png()
    assert heat.render_png(np.zeros((20, 30, 3), dtype=np.uint8)).startswith(b"\x89PNG")

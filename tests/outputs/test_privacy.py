"""apply_privacy on synthetic textured frames: every 8x8 block of a hidden box differs from the
original, everything outside the padded boxes and zones is untouched, the input is never
modified."""

from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from detectors.base import CLASS_NAME
from outputs.privacy import (
    MIN_PADDING_PX,
    Image,
    PrivacyMode,
    PrivacySettings,
    PrivacyZone,
    apply_privacy,
)

BLOCK = 8
DIFFERENT = 10.0
"""Mean absolute difference (grey levels) above which an 8x8 block no longer matches."""


def textured_frame(height: int = 240, width: int = 320, seed: int = 0) -> Image:
    """Random texture: no 8x8 block is uniform, as in a real picture of a person."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def tracks(boxes: list[list[float]], names: list[str]) -> sv.Detections:
    return sv.Detections(
        xyxy=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        class_id=np.zeros(len(boxes), dtype=int),
        tracker_id=np.arange(1, len(boxes) + 1),
        data={CLASS_NAME: np.array(names, dtype=str)},
    )


def block_differences(a: Image, b: Image, box: tuple[int, int, int, int]) -> list[float]:
    """Mean absolute difference of every whole 8x8 block inside ``box`` (x1, y1, x2, y2)."""
    x1, y1, x2, y2 = box
    diffs = []
    for y in range(y1, y2 - BLOCK + 1, BLOCK):
        for x in range(x1, x2 - BLOCK + 1, BLOCK):
            pa = a[y : y + BLOCK, x : x + BLOCK].astype(np.int16)
            pb = b[y : y + BLOCK, x : x + BLOCK].astype(np.int16)
            diffs.append(float(np.abs(pa - pb).mean()))
    return diffs


@pytest.mark.parametrize("mode", list(PrivacyMode))
def test_every_block_of_a_hidden_box_differs_and_the_rest_is_untouched(mode: PrivacyMode) -> None:
    frame = textured_frame()
    original = frame.copy()
    boxes = [[40.5, 30.2, 121.7, 190.9], [200.0, 100.0, 260.0, 150.0]]
    settings = PrivacySettings(classes=frozenset({"person"}), mode=mode, padding=0.1)
    masked = apply_privacy(frame, tracks(boxes, ["person", "person"]), settings)

    assert np.array_equal(frame, original)  # the analysis frame is never modified
    assert masked is not frame
    covered = np.zeros(frame.shape[:2], dtype=bool)
    for x1, y1, x2, y2 in boxes:
        box = (int(x1), int(y1), int(np.ceil(x2)), int(np.ceil(y2)))
        diffs = block_differences(masked, original, box)
        assert diffs and min(diffs) > DIFFERENT, (mode, box, min(diffs))
        # also a grid aligned to the image, as a viewer would cut it
        aligned = (-(-box[0] // BLOCK) * BLOCK, -(-box[1] // BLOCK) * BLOCK, box[2], box[3])
        assert min(block_differences(masked, original, aligned)) > DIFFERENT
        pad_x, pad_y = (x2 - x1) * 0.1 + MIN_PADDING_PX, (y2 - y1) * 0.1 + MIN_PADDING_PX
        covered[
            int(np.floor(y1 - pad_y)) : int(np.ceil(y2 + pad_y)),
            int(np.floor(x1 - pad_x)) : int(np.ceil(x2 + pad_x)),
        ] = True
    assert np.array_equal(masked[~covered], original[~covered])


def test_other_classes_are_left_alone_and_nothing_to_hide_returns_the_frame() -> None:
    frame = textured_frame()
    settings = PrivacySettings(classes=frozenset({"person"}))
    assert apply_privacy(frame, tracks([[10, 10, 100, 100]], ["car"]), settings) is frame
    assert apply_privacy(frame, tracks([], []), settings) is frame
    off = PrivacySettings()
    assert apply_privacy(frame, tracks([[10, 10, 100, 100]], ["person"]), off) is frame


def test_boxes_at_and_beyond_the_edges_are_clamped() -> None:
    frame = textured_frame()
    settings = PrivacySettings(classes=frozenset({"person"}), mode=PrivacyMode.BLACK)
    boxes: list[list[float]] = [[-50, -20, 30, 40], [300, 200, 400, 300], [500, 500, 600, 600]]
    masked = apply_privacy(frame, tracks(boxes, ["person"] * 3), settings)
    assert not masked[0:40, 0:30].any()
    assert not masked[200:240, 300:320].any()
    assert np.array_equal(masked[100:180, 100:250], frame[100:180, 100:250])


@pytest.mark.parametrize("normalized", [False, True])
def test_zones_are_filled_black(normalized: bool) -> None:
    frame = textured_frame() | np.uint8(1)  # no black pixel anywhere before
    square = ((0.25, 0.25), (0.5, 0.25), (0.5, 0.5), (0.25, 0.5))
    polygon = square if normalized else tuple((x * 320, y * 240) for x, y in square)
    settings = PrivacySettings(zones=(PrivacyZone(polygon, normalized=normalized),))
    masked = apply_privacy(frame, tracks([], []), settings)
    assert not masked[60:120, 80:160].any()
    black = ~masked.any(axis=2)
    assert black.sum() == pytest.approx(61 * 81, rel=0.05)
    assert np.array_equal(masked[~black], frame[~black])


def test_raw_detections_without_a_track_are_hidden_too() -> None:
    frame = textured_frame()
    settings = PrivacySettings(classes=frozenset({"person"}), mode=PrivacyMode.BLACK)
    unconfirmed = tracks([[150, 60, 200, 160]], ["person"])
    masked = apply_privacy(frame, tracks([], []), settings, unconfirmed)
    assert not masked[60:160, 150:200].any()
    assert np.array_equal(masked[:, :100], frame[:, :100])


def test_a_large_box_is_pixelated_into_at_most_16_cells_across() -> None:
    frame = textured_frame(720, 1280)
    settings = PrivacySettings(classes=frozenset({"person"}), padding=0.0)
    masked = apply_privacy(frame, tracks([[300, 100, 500, 700]], ["person"]), settings)
    column = masked[:, 400, 0]  # down the middle of the (padded) box
    cells = np.count_nonzero(np.diff(column[100 - MIN_PADDING_PX : 700 + MIN_PADDING_PX]))
    assert cells + 1 <= 16

"""Segmentation models in the detector: one polygon per box, in frame pixels, masks dropped."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors import Backend, DetectorOptions, ModelError, load_detector
from detectors.segments import MAX_POINTS, POLYGON, mask_polygon, polygons
from tests.detectors.frames import first_frames
from tests.segmentation import SEG_CONF, seg_weights


@pytest.fixture(scope="module")
def seg_model(model_cache: Path) -> Path:
    return seg_weights(model_cache)


def test_a_mask_becomes_the_outline_of_its_largest_part_within_the_point_cap() -> None:
    mask = np.zeros((240, 320), dtype=np.uint8)
    cv2.circle(mask, (160, 120), 90, 1, thickness=-1)
    mask[5:15, 5:15] = 1  # a speck elsewhere: not the object's outline
    outline = mask_polygon(mask)
    assert 8 <= len(outline) <= MAX_POINTS
    assert cv2.contourArea(outline) == pytest.approx(np.pi * 90**2, rel=0.03)
    radii = np.hypot(outline[:, 0] - 160, outline[:, 1] - 120)
    assert np.all(np.abs(radii - 90) < 3)


def test_empty_and_line_masks_have_no_outline() -> None:
    mask = np.zeros((50, 50), dtype=np.uint8)
    assert mask_polygon(mask).shape == (0, 2)
    mask[10, 5:40] = 1
    assert mask_polygon(mask).shape == (0, 2)


def test_seg_model_runs_on_torch_and_gives_a_polygon_inside_each_box(
    vtest: Path, seg_model: Path
) -> None:
    detector = load_detector(DetectorOptions(model=str(seg_model), conf=SEG_CONF, imgsz=320))
    try:
        assert detector.describe() == "torch fp32"  # auto picks PyTorch for a -seg model
        (frame,) = first_frames(vtest, 1)
        (found,) = detector.detect([frame])
        (nothing,) = load_detector(
            DetectorOptions(model=str(seg_model), conf=0.9, imgsz=320, backend="torch")
        ).detect([frame])
    finally:
        detector.close()
    outlines = polygons(found)
    assert outlines is not None
    assert len(found) >= 10
    assert len(outlines) == len(found)
    assert found.mask is None  # no frame-sized masks are kept
    height, width = frame.shape[:2]
    for outline, box in zip(outlines, found.xyxy, strict=True):
        assert len(outline) >= 3
        assert outline.dtype == np.int32
        assert outline[:, 0].min() >= box[0] - 2 and outline[:, 0].max() <= box[2] + 2
        assert outline[:, 1].min() >= box[1] - 2 and outline[:, 1].max() <= box[3] + 2
        assert outline[:, 0].max() <= width and outline[:, 1].max() <= height
    assert len(nothing) == 0
    assert nothing.data[POLYGON] == []  # the column is there on every frame, empty or not


def test_class_filter_keeps_polygons_with_their_boxes(vtest: Path, seg_model: Path) -> None:
    options = DetectorOptions(model=str(seg_model), conf=SEG_CONF, imgsz=320, classes=("person",))
    detector = load_detector(options)
    (found,) = detector.detect(first_frames(vtest, 1))
    outlines = polygons(found)
    assert outlines is not None and len(outlines) == len(found) > 0


@pytest.mark.parametrize("backend", ["openvino", "onnxruntime"])
def test_exported_backends_refuse_a_seg_model_instead_of_dropping_its_masks(
    seg_model: Path, backend: Backend, tmp_path: Path
) -> None:
    options = DetectorOptions(
        model=str(seg_model), backend=backend, precision="fp32", cache_dir=tmp_path
    )
    with pytest.raises(ModelError, match=r"segment model.*--backend torch"):
        load_detector(options)

"""A segmentation model end to end: ``trackcast track`` writes each track's polygon to JSONL, and
the dataset export turns them into YOLO segment labels and COCO polygons."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from annotation.export import ExportOptions, export_dataset
from annotation.selection import SelectionOptions
from tests.conftest import run_cli
from tests.segmentation import SEG_CONF, seg_weights

FRAMES = 6


@pytest.fixture(scope="module")
def tracked(vtest: Path, model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seg") / "tracks.jsonl"
    model = seg_weights(model_cache)
    args = ["track", str(vtest), "--model", str(model), "--conf", str(SEG_CONF)]
    args += ["--imgsz", "320", "--max-frames", str(FRAMES), "--jsonl", str(out), "--no-progress"]
    result = run_cli(args)
    assert result.returncode == 0, result.stderr
    return out


def test_track_writes_a_polygon_per_track_in_frame_pixels(tracked: Path) -> None:
    records = [json.loads(line) for line in tracked.read_text().splitlines()]
    assert len(records) == FRAMES
    tracks = [t for r in records for t in r["tracks"]]
    assert len(tracks) >= 10 * FRAMES
    for record in records:
        for track in record["tracks"]:
            outline = np.array(track["polygon"], dtype=float)
            assert outline.shape[0] >= 3 and outline.shape[1] == 2
            assert outline[:, 0].max() <= record["width"]
            assert outline[:, 1].max() <= record["height"]
            assert "polygon" not in track["attributes"]


def test_dataset_export_writes_segment_labels_and_coco_polygons(
    vtest: Path, tracked: Path, tmp_path: Path
) -> None:
    options = ExportOptions(tmp_path / "ds", SelectionOptions(every_s=0.1, duplicate_below=0.0))
    report = export_dataset(vtest, tracked, options)
    assert report.frames >= 2
    labels = sorted((tmp_path / "ds" / "labels").rglob("*.txt"))
    lines = [line.split() for path in labels for line in path.read_text().splitlines()]
    assert lines
    for fields in lines:
        corners = np.array(fields[1:], dtype=float)
        assert len(corners) >= 6 and len(corners) % 2 == 0  # class x1 y1 x2 y2 x3 y3 ...
        assert corners.min() >= 0.0 and corners.max() <= 1.0
    coco = COCO(str(tmp_path / "ds" / "coco.json"))
    annotations = coco.loadAnns(coco.getAnnIds())
    assert len(annotations) == len(lines)
    for annotation in annotations:
        pixels = float(mask_utils.area(coco.annToRLE(annotation)))  # the polygon rasterised
        assert pixels > 0
        assert annotation["area"] == pytest.approx(pixels, rel=0.2, abs=20)

"""Polygons of a segmentation model's tracks in the burned overlay and the JSONL records."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import supervision as sv

from detectors.segments import POLYGON
from outputs import FrameResult, JsonlWriter
from outputs.overlay import TrackOverlay

TRIANGLE = np.array([[20, 140], [140, 140], [20, 20]], dtype=np.int32)
"""The lower-left half of the track's box."""


def _result(outline: np.ndarray) -> FrameResult:
    tracks = sv.Detections(
        xyxy=np.array([[20.0, 20.0, 140.0, 140.0]], dtype=np.float32),
        confidence=np.array([0.8], dtype=np.float32),
        class_id=np.array([0]),
        tracker_id=np.array([3]),
        data={"class_name": np.array(["person"]), POLYGON: [outline]},
    )
    image = np.full((160, 200, 3), 60, dtype=np.uint8)
    return FrameResult(index=0, pts=0.0, image=image, tracks=tracks)


def test_the_overlay_fills_the_polygon_and_leaves_the_rest_of_the_box() -> None:
    result = _result(TRIANGLE)
    drawn = TrackOverlay().draw(result).astype(int)
    changed = np.abs(drawn - result.image).sum(axis=2) > 0
    inside = np.zeros(changed.shape, dtype=np.uint8)
    cv2.fillPoly(inside, [TRIANGLE], 1)
    inside = cv2.erode(inside, np.ones((7, 7), np.uint8)).astype(bool)
    outside = np.zeros(changed.shape, dtype=np.uint8)
    cv2.fillPoly(outside, [np.array([[140, 20], [140, 140], [20, 20]], dtype=np.int32)], 1)
    outside = cv2.erode(outside, np.ones((7, 7), np.uint8)).astype(bool)
    outside[:45] = False  # the label sits at the top of the box
    assert changed[inside].all()
    assert not changed[outside].any()
    empty = TrackOverlay().draw(_result(np.zeros((0, 2), dtype=np.int32)))
    assert not (np.abs(empty.astype(int) - result.image).sum(axis=2) > 0)[inside].any()


def test_jsonl_writes_each_tracks_polygon(tmp_path: Path) -> None:
    writer = JsonlWriter(tmp_path / "tracks.jsonl")
    writer.write(_result(TRIANGLE))
    writer.close()
    (track,) = json.loads((tmp_path / "tracks.jsonl").read_text())["tracks"]
    assert track["polygon"] == TRIANGLE.tolist()
    assert track["attributes"] == {}

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detectors import DetectorOptions, load_detector
from tests.detectors.frames import first_frames

VEHICLES = {"car", "truck", "bus"}


def _on_parked_van(xyxy: np.ndarray) -> bool:
    """The white van parked at the top right of vtest.avi sits around x 660-710, y 55-85."""
    cx, cy = (xyxy[0] + xyxy[2]) / 2, (xyxy[1] + xyxy[3]) / 2
    return bool(640 < cx < 730 and 40 < cy < 110)


def test_finds_the_parked_van_and_people(vtest: Path) -> None:
    detector = load_detector(DetectorOptions(model="coco-yolov3-tiny"))
    assert len(detector.class_names) == 80
    (detections,) = detector.detect(first_frames(vtest, 1))
    names = list(detections.data["class_name"])
    assert any(
        n in VEHICLES and _on_parked_van(b) for n, b in zip(names, detections.xyxy, strict=True)
    )
    assert names.count("person") >= 3
    assert detections.confidence is not None
    assert ((detections.confidence >= 0.1) & (detections.confidence <= 1)).all()
    assert (detections.xyxy[:, 2] <= 768).all() and (detections.xyxy[:, 3] <= 576).all()


def test_person_filter_removes_the_van(vtest: Path) -> None:
    detector = load_detector(DetectorOptions(model="coco-yolov3-tiny", classes=("person",)))
    (detections,) = detector.detect(first_frames(vtest, 1))
    assert len(detections) >= 3
    assert set(detections.data["class_name"]) == {"person"}


def test_batch_gives_one_result_per_frame_in_order(vtest: Path) -> None:
    detector = load_detector(DetectorOptions(model="coco-yolov3-tiny"))
    frames = first_frames(vtest, 3)
    batched = detector.detect(frames)
    single = [detector.detect([frame])[0] for frame in frames]
    assert len(batched) == 3
    for a, b in zip(batched, single, strict=True):
        np.testing.assert_allclose(a.xyxy, b.xyxy)
    assert detector.detect([]) == []


def test_blank_frame_gives_empty_detections_with_class_names() -> None:
    detector = load_detector(DetectorOptions(model="coco-yolov3-tiny"))
    (detections,) = detector.detect([np.zeros((240, 320, 3), dtype=np.uint8)])
    assert len(detections) == 0
    assert "class_name" in detections.data


@pytest.mark.parametrize("imgsz", [320, 608])
def test_other_input_sizes_still_find_the_van(vtest: Path, imgsz: int) -> None:
    detector = load_detector(DetectorOptions(model="coco-yolov3-tiny", imgsz=imgsz, conf=0.2))
    (detections,) = detector.detect(first_frames(vtest, 1))
    names = detections.data["class_name"]
    assert any(
        n in VEHICLES and _on_parked_van(b) for n, b in zip(names, detections.xyxy, strict=True)
    )

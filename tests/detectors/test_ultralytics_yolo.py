from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detectors import Detector, DetectorOptions, load_detector
from tests.detectors.frames import first_frames


@pytest.fixture(scope="module")
def person_model() -> Detector:
    return load_detector(DetectorOptions(model="person-yolov8s"))


def test_reports_people_with_posture(vtest: Path, person_model: Detector) -> None:
    assert dict(person_model.class_names) == {0: "person"}
    (detections,) = person_model.detect(first_frames(vtest, 1))
    assert len(detections) >= 3
    assert detections.class_id is not None
    assert set(detections.class_id) == {0}
    assert set(detections.data["class_name"]) == {"person"}
    assert set(detections.data["posture"]) <= {"normal", "fall"}
    assert "normal" in set(detections.data["posture"])


def test_yellow_jacket_on_the_grass_is_reported_as_a_fallen_person(
    vtest: Path, person_model: Detector
) -> None:
    """A quirk of this model worth knowing: it boxes the jacket at the bottom left as ``Fall``."""
    (detections,) = person_model.detect(first_frames(vtest, 1))
    centres = (detections.xyxy[:, :2] + detections.xyxy[:, 2:]) / 2
    on_grass = (centres[:, 0] < 250) & (centres[:, 1] > 450)
    assert on_grass.any()
    assert set(detections.data["posture"][on_grass]) == {"fall"}


def test_batched_and_single_frames_agree(vtest: Path, person_model: Detector) -> None:
    frames = first_frames(vtest, 3)
    batched = person_model.detect(frames)
    single = [person_model.detect([frame])[0] for frame in frames]
    assert [len(d) for d in batched] == [len(d) for d in single]
    for a, b in zip(batched, single, strict=True):
        np.testing.assert_allclose(a.xyxy, b.xyxy, atol=1.0)


def test_unknown_class_name_lists_what_the_model_detects() -> None:
    from detectors import UnknownClassError

    with pytest.raises(UnknownClassError, match="this model detects: person"):
        load_detector(DetectorOptions(model="person-yolov8s", classes=("car",)))


def test_a_local_pt_path_loads_like_the_alias(person_model: Detector) -> None:
    from detectors.bundled import PERSON_YOLOV8S

    (weights,) = PERSON_YOLOV8S.locate()
    detector = load_detector(DetectorOptions(model=str(weights)))
    assert dict(detector.class_names) == {0: "Normal", 1: "Fall"}

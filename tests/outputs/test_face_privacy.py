"""The real MTCNN on a real photograph (ultralytics' bundled ``zidane.jpg``, two faces), and
FaceMasker around it: faces found inside tracked persons' heads move with their boxes between
checks, small or unchecked persons get their heads hidden, the whole-frame scan finds faces
without a person box; a missing face model is a one-line config error naming the fetch command."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pydantic
import pytest
import supervision as sv
import ultralytics

from config.privacy import PrivacyConfig
from detectors.base import CLASS_NAME
from detectors.faces import FaceDetector
from outputs.face_privacy import MAX_CHECKS_PER_FRAME, MIN_PERSON_PX, FaceMasker, FaceSettings

Image = npt.NDArray[np.uint8]
FACES = ((909, 97, 1048, 285), (559, 262, 670, 430))
"""The two faces in zidane.jpg (1280x720), as MTCNN boxes them (to a few pixels)."""
PERSONS = ((780, 40, 1180, 720), (150, 200, 1000, 720))
"""Boxes around the two men, as a person detector would give them."""


@pytest.fixture(scope="module")
def photo() -> Image:
    image = cv2.imread(str(Path(ultralytics.__file__).parent / "assets" / "zidane.jpg"))
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def people(boxes: tuple[tuple[float, ...], ...], *, ids: bool = True) -> sv.Detections:
    return sv.Detections(
        xyxy=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        class_id=np.zeros(len(boxes), dtype=int),
        tracker_id=np.arange(1, len(boxes) + 1) if ids else None,
        data={CLASS_NAME: np.array(["person"] * len(boxes), dtype=str)},
    )


def covers(hidden: list[tuple[float, float, float, float]], face: tuple[float, ...]) -> bool:
    return any(
        h[0] <= face[0] and h[1] <= face[1] and h[2] >= face[2] and h[3] >= face[3] for h in hidden
    )


@pytest.mark.model
def test_mtcnn_finds_both_faces_of_the_photograph(photo: Image, detector: FaceDetector) -> None:
    found = detector.detect(photo)
    for face in FACES:
        assert any(np.abs(box - face).max() < 20 for box in found), (face, found.round())


@pytest.mark.model
def test_faces_found_in_person_heads_move_with_the_person(
    photo: Image, detector: FaceDetector
) -> None:
    now = [0.0]
    masker = FaceMasker(detector.detect, FaceSettings(check_s=1.0, scan_s=0), lambda: now[0])
    masker.faces(photo, people(PERSONS))  # one head searched per frame
    hidden = masker.faces(photo, people(PERSONS))
    assert masker.checks == 2 and masker.scans == 0
    assert all(covers(hidden, face) for face in FACES), hidden
    # the faces alone, not whole heads: each hidden box is at most twice a face's size
    assert all((h[2] - h[0]) < 2 * 140 for h in hidden), hidden

    # before check_s passes nothing is searched again; the faces move with their persons
    now[0] = 0.5
    shifted = tuple((x1 - 40, y1 + 10, x2 - 40, y2 + 10) for x1, y1, x2, y2 in PERSONS)
    moved = masker.faces(photo, people(shifted))
    assert masker.checks == 2
    for face in FACES:
        assert covers(moved, (face[0] - 40, face[1] + 10, face[2] - 40, face[3] + 10)), moved
    now[0] = 1.5
    masker.faces(photo, people(PERSONS))
    masker.faces(photo, people(PERSONS))
    assert masker.checks == 4


@pytest.mark.model
def test_unsure_persons_get_their_heads_hidden(photo: Image, detector: FaceDetector) -> None:
    masker = FaceMasker(detector.detect, FaceSettings(check_s=1.0, scan_s=0), lambda: 0.0)
    small = (10.0, 600.0, 30.0, 600.0 + MIN_PERSON_PX - 1)  # too small for a face to be found
    many = PERSONS + tuple((x, 0.0, x + 60, 200.0) for x in (0.0, 70.0, 140.0))
    hidden = masker.faces(photo, people((*many, small)))
    assert masker.checks == MAX_CHECKS_PER_FRAME  # the other due persons wait
    heads = [(x, 0.0, x + 60, 60.0) for x in (0.0, 70.0, 140.0)]
    unchecked = heads[-(len(many) - MAX_CHECKS_PER_FRAME) :]
    assert all(covers(hidden, head) for head in unchecked), hidden
    assert covers(hidden, (10.0, 600.0, 30.0, 614.0)), hidden  # the small one's head
    # a detected person no track confirmed yet: its head too
    untracked = masker.faces(photo, people(()), people(((300.0, 0.0, 360.0, 200.0),), ids=False))
    assert covers(untracked, (300.0, 0.0, 360.0, 60.0)), untracked


@pytest.mark.model
def test_the_frame_scan_finds_faces_without_person_boxes(
    photo: Image, detector: FaceDetector
) -> None:
    now = [0.0]
    masker = FaceMasker(detector.detect, FaceSettings(check_s=1.0, scan_s=2.0), lambda: now[0])
    hidden = masker.faces(photo, people(()))
    assert masker.scans == 1
    assert all(covers(hidden, face) for face in FACES), hidden
    now[0] = 1.0  # held until the next scan
    assert masker.faces(photo, people(())) == hidden and masker.scans == 1
    now[0] = 2.0
    masker.faces(photo, people(()))
    assert masker.scans == 2


def test_faces_without_the_face_model_is_a_config_error_naming_the_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKCAST_MODELS", str(tmp_path))
    assert PrivacyConfig.model_validate({"faces": False}).settings().faces is None
    with pytest.raises(pydantic.ValidationError) as raised:
        PrivacyConfig.model_validate({"faces": True})
    (error,) = raised.value.errors()
    assert "python -m detectors.fetch mtcnn-faces" in error["msg"]
    assert "\n" not in error["msg"]


@pytest.mark.model
def test_mtcnn_with_numpy_nms_finds_the_same_faces(photo: Image, detector: FaceDetector) -> None:
    """Where torchvision's compiled NMS does not load (a CPU torch beside PyPI's torchvision)
    facenet-pytorch's NumPy NMS stands in."""
    expected = detector.detect(photo)
    found = FaceDetector(numpy_nms=True).detect(photo)
    assert len(found) == len(expected)
    for face in FACES:
        assert any(np.abs(box - face).max() < 20 for box in found), (face, found.round())

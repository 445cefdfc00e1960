"""trackcast's ``bytetrack`` and ``botsort`` report what ultralytics' own ``model.track`` reports.

Both sides run person-yolov8s on PyTorch over the same frames of vtest.avi (read by OpenCV, as
ultralytics reads video), so the detections are the same; the tracks must then agree frame by
frame in ids, boxes and confidences, not only in ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import supervision as sv

from detectors import DetectorOptions, load_detector
from detectors.bundled import PERSON_YOLOV8S
from tracking import TrackerName, TrackerOptions, create_tracker
from tracking.base import Image

FRAMES = 40
BOX_TOLERANCE_PX = 1e-3


@dataclass(frozen=True)
class Footage:
    frames: list[Image]
    fps: float


@dataclass(frozen=True)
class Tracks:
    """One frame's tracks, ordered by id."""

    ids: list[int]
    xyxy: npt.NDArray[np.float32]
    confidence: npt.NDArray[np.float32]


@pytest.fixture(scope="module")
def footage(vtest: Path) -> Footage:
    capture = cv2.VideoCapture(str(vtest))
    try:
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        frames = []
        for _ in range(FRAMES):
            ok, frame = capture.read()
            assert ok
            frames.append(np.asarray(frame, dtype=np.uint8))
    finally:
        capture.release()
    return Footage(frames, fps)


@pytest.fixture(scope="module")
def detections(footage: Footage) -> list[sv.Detections]:
    detector = load_detector(
        DetectorOptions(model=PERSON_YOLOV8S.alias, backend="torch", threads=1)  # as ultralytics
    )
    try:
        return [detector.detect([frame])[0] for frame in footage.frames]
    finally:
        detector.close()


def _ordered(ids: npt.ArrayLike, xyxy: npt.ArrayLike, confidence: npt.ArrayLike) -> Tracks:
    as_ints = np.asarray(ids, dtype=int)
    order = np.argsort(as_ints)
    return Tracks(
        [int(i) for i in as_ints[order]],
        np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)[order],
        np.asarray(confidence, dtype=np.float32)[order],
    )


def _ultralytics_tracks(vtest: Path, name: TrackerName) -> list[Tracks]:
    from ultralytics import YOLO

    (weights,) = PERSON_YOLOV8S.locate()
    stream = YOLO(str(weights)).track(
        str(vtest), stream=True, tracker=f"{name}.yaml", verbose=False
    )
    found = []
    for result in stream:
        boxes = result.boxes
        if boxes.id is None:  # no track to show: ultralytics leaves detections untracked
            found.append(Tracks([], np.zeros((0, 4), np.float32), np.zeros(0, np.float32)))
        else:
            found.append(_ordered(boxes.id.numpy(), boxes.xyxy.numpy(), boxes.conf.numpy()))
        if len(found) == FRAMES:
            break
    stream.close()
    return found


@pytest.mark.parametrize("name", ("bytetrack", "botsort"))
def test_tracks_are_ultralytics_own_ids_boxes_and_confidences(
    name: TrackerName, vtest: Path, footage: Footage, detections: list[sv.Detections]
) -> None:
    expected = _ultralytics_tracks(vtest, name)
    tracker = create_tracker(TrackerOptions(name=name, frame_rate=footage.fps))
    for index, (frame, found, theirs) in enumerate(
        zip(footage.frames, detections, expected, strict=True)
    ):
        tracked = tracker.update(found, frame)
        assert tracked.tracker_id is not None and tracked.confidence is not None
        ours = _ordered(tracked.tracker_id, tracked.xyxy, tracked.confidence)
        assert ours.ids == theirs.ids, f"frame {index}"
        np.testing.assert_allclose(
            ours.xyxy, theirs.xyxy, rtol=0, atol=BOX_TOLERANCE_PX, err_msg=f"frame {index}"
        )
        np.testing.assert_allclose(
            ours.confidence, theirs.confidence, rtol=0, atol=1e-5, err_msg=f"frame {index}"
        )
    assert sum(len(tracks.ids) for tracks in expected) >= 4 * FRAMES  # people were tracked

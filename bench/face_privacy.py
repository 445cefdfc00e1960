"""Face masking cost and what it finds, on a real 1280x720 photograph with two faces
(ultralytics' bundled ``zidane.jpg``):

- OpenCV's bundled Haar cascade on the whole frame, and MTCNN on the whole frame and on the
  frame scaled to 640 and 320 px (the ``face_scan_s`` scan): milliseconds per call, how many of the
  two faces each finds (IoU over 0.5) and how many other boxes it reports;
- one head check (the upper half of a tracked person's box, scaled to 96 px high);
- :class:`outputs.face_privacy.FaceMasker` as a camera runs it: ``--frames`` frames at 10 fps
  with the two men tracked, ``face_check_s`` 1 and ``face_scan_s`` 2 (defaults): mean and
  worst milliseconds it adds to a published frame (before the masking itself, which
  ``bench.privacy_cost`` measures).

Torch runs with ``--threads`` intra-op threads (the detector's default on a 2-core machine: 1).

    .venv/bin/python -m bench.face_privacy      # about a minute
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import supervision as sv
import torch
import ultralytics

from detectors.base import CLASS_NAME
from detectors.faces import FaceDetector
from outputs.face_privacy import FaceMasker, FaceSettings

Image = npt.NDArray[np.uint8]
FACES = ((909, 97, 1048, 285), (559, 262, 670, 430))
PERSONS = ((780, 40, 1180, 720), (150, 200, 1000, 720))


def timed(call: Callable[[], object], repeats: int) -> tuple[float, object]:
    call()  # warm
    runs, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), result


def iou(a: npt.NDArray[np.float64], b: tuple[int, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return float(ix * iy / union)


def score(boxes: npt.NDArray[np.float64]) -> str:
    found = sum(any(iou(box, face) > 0.5 for box in boxes) for face in FACES)
    return f"{found}/2 faces, {len(boxes) - found} other boxes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    photo = cv2.imread(str(Path(ultralytics.__file__).parent / "assets" / "zidane.jpg"))
    assert photo is not None
    frame: Image = np.asarray(photo, dtype=np.uint8)

    haar = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")  # type: ignore[attr-defined]
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)

    def haar_faces() -> npt.NDArray[np.float64]:
        found = haar.detectMultiScale(grey, 1.1, 5, minSize=(20, 20))
        boxes = np.asarray(found, dtype=np.float64).reshape(-1, 4)
        return np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)

    detector = FaceDetector()
    small = np.asarray(cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA), np.uint8)
    tiny = np.asarray(cv2.resize(frame, (320, 180), interpolation=cv2.INTER_AREA), np.uint8)
    rows: list[tuple[str, float, str]] = []
    ms, boxes = timed(haar_faces, args.repeats)
    rows.append(("Haar cascade, 1280x720", ms, score(np.asarray(boxes))))
    ms, boxes = timed(lambda: detector.detect(frame), args.repeats)
    rows.append(("MTCNN, 1280x720", ms, score(np.asarray(boxes))))
    ms, boxes = timed(lambda: detector.detect(small), args.repeats)
    rows.append(("MTCNN, scaled to 640x360", ms, score(np.asarray(boxes) * 2)))
    ms, boxes = timed(lambda: detector.detect(tiny), args.repeats)
    rows.append(("MTCNN, scaled to 320x180 (scan)", ms, score(np.asarray(boxes) * 4)))
    x1, y1, x2, _ = PERSONS[0]
    head = frame[y1 : y1 + 340, x1:x2]
    crop = np.asarray(cv2.resize(head, (113, 96), interpolation=cv2.INTER_AREA), np.uint8)
    ms, _ = timed(lambda: detector.detect(crop), args.repeats)
    rows.append(("MTCNN, one head check (113x96)", ms, ""))
    for name, ms, found in rows:
        print(f"{name:34s} {ms:7.1f} ms  {found}")

    now = [0.0]
    masker = FaceMasker(detector.detect, FaceSettings(), lambda: now[0])
    tracks = sv.Detections(
        xyxy=np.array(PERSONS, dtype=np.float32),
        tracker_id=np.array([1, 2]),
        data={CLASS_NAME: np.array(["person", "person"])},
    )
    costs = []
    for index in range(args.frames):
        now[0] = index / 10
        started = time.perf_counter()
        masker.faces(frame, tracks)
        costs.append((time.perf_counter() - started) * 1000)
    print(
        f"FaceMasker, 2 tracked persons, {args.frames} frames at 10 fps: mean "
        f"{statistics.mean(costs):.1f} ms, worst {max(costs):.1f} ms per frame "
        f"({masker.checks} head checks, {masker.scans} scans)"
    )


if __name__ == "__main__":
    main()

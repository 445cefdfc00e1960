"""Cost of ``MotionDetector.update`` per frame, on vtest.avi at its own size and scaled to 720p.

Frames are decoded and scaled first, then timed alone: ``moving`` runs the clip's pedestrians,
``still`` repeats one frame (no contours to find). The median of ``--repeats`` passes is printed.

    .venv/bin/python -m bench.motion_cost --frames 300 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from runtime.motion import Image, MotionDetector

ROOT = Path(__file__).resolve().parent.parent


def read_frames(path: Path, count: int) -> list[Image]:
    capture = cv2.VideoCapture(str(path))
    frames: list[Image] = []
    while len(frames) < count:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(np.asarray(frame, np.uint8))
    capture.release()
    if not frames:
        raise SystemExit(f"no frames in {path}: run scripts/setup.sh to fetch it")
    return frames


def ms_per_frame(frames: list[Image], repeats: int) -> float:
    passes = []
    for _ in range(repeats):
        detector = MotionDetector()
        detector.update(frames[0])
        start = time.perf_counter()
        for frame in frames[1:]:
            detector.update(frame)
        passes.append((time.perf_counter() - start) / (len(frames) - 1) * 1e3)
    return statistics.median(passes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "vtest.avi")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    native = read_frames(args.source, args.frames)
    scaled = [np.asarray(cv2.resize(f, (1280, 720)), np.uint8) for f in native]
    print(f"OpenCV threads: {cv2.getNumThreads()}\n")
    print("| size | moving ms/frame | still ms/frame |")
    print("|---|---|---|")
    for frames in (native, scaled):
        height, width = frames[0].shape[:2]
        moving = ms_per_frame(frames, args.repeats)
        still = ms_per_frame([frames[0]] * len(frames), args.repeats)
        print(f"| {width}x{height} | {moving:.2f} | {still:.2f} |")


if __name__ == "__main__":
    main()

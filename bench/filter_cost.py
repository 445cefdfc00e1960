"""Cost of ``DetectionFilter.apply`` per frame: seeded random boxes on a 1280x720 frame.

Half the boxes are ``person``, half ``car``; two class filters (person: min_score and min_area,
car: max_area) and two normalized ignore masks (one for every class, one for cars). The median of
``--repeats`` passes of ``--frames`` calls is printed for each detection count.

    .venv/bin/python -m bench.filter_cost --frames 1000 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import supervision as sv

from analytics.filters import DetectionFilter
from config.filters import ClassFilterConfig, IgnoreConfig

WIDTH, HEIGHT = 1280, 720


def detections(count: int, seed: int = 0) -> sv.Detections:
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, [WIDTH - 200, HEIGHT - 200], (count, 2))
    size = rng.uniform(10, 200, (count, 2))
    return sv.Detections(
        xyxy=np.hstack([corner, corner + size]).astype(np.float32),
        confidence=rng.uniform(0.1, 1, count).astype(np.float32),
        class_id=np.arange(count) % 2,
        data={"class_name": np.array(["person", "car"] * (count // 2) + ["person"] * (count % 2))},
    )


def rules() -> DetectionFilter:
    filters = {
        "person": ClassFilterConfig(min_score=0.4, min_area=0.002),
        "car": ClassFilterConfig(max_area=0.3),
    }
    corner = IgnoreConfig(polygon=((0, 0), (0.3, 0), (0.3, 0.3)), coordinates="normalized")
    lot = IgnoreConfig(
        polygon=((0.6, 0.6), (1, 0.6), (1, 1), (0.6, 1)), coordinates="normalized", classes=("car",)
    )
    return DetectionFilter(filters, (corner, lot))


def us_per_frame(count: int, frames: int, repeats: int) -> float:
    found, applied = detections(count), rules()
    passes = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(frames):
            applied.apply(found, WIDTH, HEIGHT)
        passes.append((time.perf_counter() - start) / frames * 1e6)
    return statistics.median(passes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| detections | µs/frame |")
    print("|---|---|")
    for count in (5, 20, 100):
        print(f"| {count} | {us_per_frame(count, args.frames, args.repeats):.0f} |")


if __name__ == "__main__":
    main()

"""Privacy masking cost per published frame: what :func:`outputs.privacy.apply_privacy` takes on
a 1280x720 frame with 5 person boxes of 120x360 px, per mode. It runs on the detector worker's
thread for every published frame of a camera with privacy on, so this is added to that thread's
work per frame. Reported: the median of ``--repeats`` runs of ``--loops`` calls, in ms.

    .venv/bin/python -m bench.privacy_cost      # a few seconds
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import supervision as sv

from detectors.base import CLASS_NAME
from outputs.privacy import PrivacyMode, PrivacySettings, apply_privacy

WIDTH, HEIGHT = 1280, 720


def milliseconds(mode: PrivacyMode, loops: int, repeats: int) -> float:
    frame = np.random.default_rng(0).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    boxes = [[100 + 200 * i, 200, 220 + 200 * i, 560] for i in range(5)]
    tracks = sv.Detections(
        xyxy=np.array(boxes, dtype=np.float32), data={CLASS_NAME: np.array(["person"] * 5)}
    )
    settings = PrivacySettings(classes=frozenset({"person"}), mode=mode)
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(loops):
            apply_privacy(frame, tracks, settings)
        runs.append((time.perf_counter() - started) / loops * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for mode in PrivacyMode:
        print(f"{mode.value:9} {milliseconds(mode, args.loops, args.repeats):6.2f} ms per frame")


if __name__ == "__main__":
    main()

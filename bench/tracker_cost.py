"""Tracker cost per frame at 50 boxes: what one ``update`` takes, per tracker.

Fifty people walk across a 1280x720 frame (each turns now and then and leaves and is replaced at
the edges); each frame 5 % of them are missed and two false positives appear, so every stage of
the association runs: high and low detections, tentative tracks, lost tracks, coasting. Every
tracker sees the same detections at 12.5 fps (detection on every 2nd frame of a 25 fps camera);
BoT-SORT runs without camera-motion compensation (no images). Reported: mean and 95th percentile
milliseconds per ``update`` after a warm-up, each the median over ``--repeats`` passes (a shared
VM's timing varies from pass to pass), and trackcast's mean against ByteTrack's in the same run.

    .venv/bin/python -m bench.tracker_cost      # ~30 s; writes bench/results/tracker_cost.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import supervision as sv

from tracking import TRACKER_NAMES, TrackerOptions, create_tracker

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 720


def frames(count: int, people: int, seed: int = 0) -> Iterator[sv.Detections]:
    """``count`` frames of detections of ``people`` walkers, with misses and false positives."""
    rng = np.random.default_rng(seed)
    centre = rng.uniform([0, 200], [WIDTH, HEIGHT - 100], (people, 2))
    height = rng.uniform(60, 220, people)
    velocity = rng.normal(0, 6, (people, 2))
    for _ in range(count):
        turning = rng.random(people) < 0.02
        velocity[turning] = rng.normal(0, 6, (int(turning.sum()), 2))
        centre += velocity
        gone = (centre[:, 0] < 0) | (centre[:, 0] > WIDTH) | (centre[:, 1] < 100)
        gone |= centre[:, 1] > HEIGHT
        centre[gone] = rng.uniform([0, 200], [WIDTH, HEIGHT - 100], (int(gone.sum()), 2))
        seen = rng.random(people) > 0.05
        c = centre[seen] + rng.normal(0, 2, (int(seen.sum()), 2))
        h = height[seen]
        boxes = np.column_stack(
            [c[:, 0] - 0.2 * h, c[:, 1] - h / 2, c[:, 0] + 0.2 * h, c[:, 1] + h / 2]
        )
        false = rng.uniform([0, 0], [WIDTH - 50, HEIGHT - 120], (2, 2))
        boxes = np.vstack([boxes, np.column_stack([false, false + np.array([40.0, 100.0])])])
        confidence = np.concatenate([rng.uniform(0.3, 0.95, len(c)), rng.uniform(0.1, 0.5, 2)])
        yield sv.Detections(
            xyxy=boxes.astype(np.float32),
            confidence=confidence.astype(np.float32),
            class_id=np.zeros(len(boxes), dtype=int),
        )


def cost(options: TrackerOptions, detections: Sequence[sv.Detections], warmup: int) -> list[float]:
    """Milliseconds per ``update`` after ``warmup`` frames."""
    tracker = create_tracker(options)
    spent = []
    for k, frame in enumerate(detections):
        started = time.perf_counter()
        tracker.update(frame, timestamp=k / options.frame_rate)
        spent.append(1000 * (time.perf_counter() - started))
    return spent[warmup:]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boxes", type=int, default=50)
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "tracker_cost.json"
    )
    args = parser.parse_args(argv)
    detections = list(frames(args.frames, args.boxes))
    rows = []
    print(f"load before: {os.getloadavg()[0]:.2f}")
    print("| tracker | boxes | mean ms/frame | p95 ms/frame |\n|---|---|---|---|")
    for name in TRACKER_NAMES:
        options = TrackerOptions(name=name, frame_rate=12.5, gmc_method="none")
        passes = [cost(options, detections, args.warmup) for _ in range(args.repeats)]
        mean = statistics.median(statistics.fmean(spent) for spent in passes)
        p95 = statistics.median(float(np.percentile(spent, 95)) for spent in passes)
        rows.append({"tracker": name, "mean_ms": mean, "p95_ms": p95})
        print(f"| {name} | {args.boxes} | {mean:.2f} | {p95:.2f} |")
    ratio = rows[-1]["mean_ms"] / rows[0]["mean_ms"]  # type: ignore[operator]
    print(f"\n{rows[-1]['tracker']} / {rows[0]['tracker']}: {ratio:.2f}x the time per frame")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"args": {k: str(v) for k, v in vars(args).items()}, "load": os.getloadavg()[0]}
    args.out.write_text(json.dumps({**report, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

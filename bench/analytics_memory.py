"""Analytics memory over a synthetic hour: is per-track state freed, does memory stay flat?

36,000 frames (1 h at 10 fps, 768x576) of synthetic people walking across the picture, about 20
at a time, each for 6 to 20 s, some lingering in the middle: new track ids keep appearing and old
ones keep ending. Every frame goes through what a camera with geometry runs: the track lifecycle,
two counting lines, two zones (one with loitering) and the heatmap; events go to the 1-minute
count buckets, drained every minute as storage would. tracemalloc measures the Python heap:
current and peak (since the previous mark) every 10 minutes of video.

    .venv/bin/python -m bench.analytics_memory            # the hour; about 2 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import supervision as sv

from analytics import (
    Analyser,
    CountBuckets,
    Heatmap,
    LineCrossing,
    TrackLifecycle,
    ZoneMonitor,
)
from config import LineConfig, ZoneConfig
from events import Event, Evidence
from outputs import FrameResult

WIDTH, HEIGHT = 768, 576
LOST_TIMEOUT_S = 3.0
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Walker:
    """A synthetic person: walks from one side to the other, maybe pausing mid-way."""

    track_id: int
    first: int
    frames: int
    y: float
    leftwards: bool
    pause: int
    """Frames spent standing still in the middle."""

    def position(self, index: int) -> tuple[float, float] | None:
        step = index - self.first
        if not 0 <= step < self.frames:
            return None
        walking = self.frames - self.pause
        half = walking // 2
        moved = step if step < half else max(half, step - self.pause)
        x = 10 + (WIDTH - 20) * moved / max(walking - 1, 1)
        return (WIDTH - x if self.leftwards else x), self.y + 4 * ((step % 3) - 1)


class CountingSink:
    """Counts every event into the buckets; evidence is dropped as soon as it arrives."""

    def __init__(self) -> None:
        self.buckets = CountBuckets()
        self.events = 0

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        self.events += 1
        self.buckets.add(event)


def build(sink: CountingSink) -> tuple[list[Analyser], list[LineCrossing | ZoneMonitor]]:
    lines = [
        LineConfig(name="middle", points=((384, 100), (384, 576))),
        LineConfig(name="quarter", coordinates="normalized", points=((0.25, 0.2), (0.25, 1))),
    ]
    zones = [
        ZoneConfig(
            name="plaza",
            polygon=((250, 200), (520, 200), (520, 500), (250, 500)),
            loiter_after_s=10,
        ),
        ZoneConfig(
            name="right", coordinates="normalized", polygon=((0.75, 0), (1, 0), (1, 1), (0.75, 1))
        ),
    ]
    regions: list[LineCrossing | ZoneMonitor] = [
        *(LineCrossing("bench", line, sink, LOST_TIMEOUT_S) for line in lines),
        *(ZoneMonitor("bench", zone, sink, LOST_TIMEOUT_S) for zone in zones),
    ]
    analysers: list[Analyser] = [
        TrackLifecycle("bench", sink, LOST_TIMEOUT_S),
        *regions,
        Heatmap("bench"),
    ]
    return analysers, regions


def frame(
    index: int, fps: float, walkers: list[Walker], image: npt.NDArray[np.uint8]
) -> FrameResult:
    boxes, ids = [], []
    for walker in walkers:
        position = walker.position(index)
        if position is not None:
            x, y = position
            boxes.append([x - 20, y - 100, x + 20, y])
            ids.append(walker.track_id)
    tracks = sv.Detections(
        xyxy=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        confidence=np.full(len(ids), 0.8, dtype=np.float32),
        class_id=np.zeros(len(ids), dtype=int),
        tracker_id=np.array(ids, dtype=int),
        data={"class_name": np.array(["person"] * len(ids), dtype=str)},
    )
    at = 1_764_000_000 + index / fps
    return FrameResult(index, index / fps, image, tracks, camera_id="bench", received_at=at)


class Crowd:
    """People arriving at random (about ``people`` in view on average) and walking across."""

    def __init__(self, people: float, fps: float, seed: int) -> None:
        self._rng = random.Random(seed)
        self._fps = fps
        mean_frames = (13 + 0.1 * 30) * fps  # 13 s walking, one in ten pauses 30 s on average
        self._arrivals = people / mean_frames
        self.walkers: list[Walker] = []
        self.next_id = 1

    def step(self, index: int) -> list[Walker]:
        """The people in view at frame ``index``."""
        rng = self._rng
        while rng.random() < self._arrivals:
            pause = round(rng.uniform(15, 45) * self._fps) if rng.random() < 0.1 else 0
            walk = round(rng.uniform(6, 20) * self._fps)
            y, leftwards = rng.uniform(220, 560), rng.random() < 0.5
            self.walkers.append(Walker(self.next_id, index, walk + pause, y, leftwards, pause))
            self.next_id += 1
        self.walkers = [w for w in self.walkers if w.first + w.frames > index]
        return self.walkers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=36_000, help="frames to feed (36000)")
    parser.add_argument("--fps", type=float, default=10.0, help="frame rate (10)")
    parser.add_argument("--people", type=float, default=20, help="people in view on average (20)")
    parser.add_argument("--mark-min", type=float, default=10, help="minutes between rows (10)")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    image = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    mark, minute = round(args.mark_min * 60 * args.fps), round(60 * args.fps)
    started = time.monotonic()
    tracemalloc.start()
    crowd = Crowd(args.people, args.fps, args.seed)
    sink = CountingSink()
    analysers, regions = build(sink)
    print(
        "| video time | track ids so far | people in view | per-track states | events "
        "| count rows | current MiB | peak MiB |\n|---|---|---|---|---|---|---|---|"
    )
    count_rows = 0
    for index in range(args.frames):
        result = frame(index, args.fps, crowd.step(index), image)
        for analyser in analysers:
            analyser.update(result)
        if (index + 1) % minute == 0:
            count_rows += len(sink.buckets.drain())
        if (index + 1) % mark == 0 or index + 1 == args.frames:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            states = sum(r.tracked() for r in regions)
            print(
                f"| {(index + 1) / args.fps / 60:.0f} min | {crowd.next_id - 1} "
                f"| {len(crowd.walkers)} | {states} | {sink.events} | {count_rows} "
                f"| {current / MIB:.2f} | {peak / MIB:.2f} |",
                flush=True,
            )
    for analyser in analysers:
        analyser.finish(time.time())
    states = sum(r.tracked() for r in regions)
    print(f"after finish: {states} per-track states; took {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

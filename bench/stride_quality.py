"""Tracking quality on every camera frame when detection runs on every Nth one only.

``bench/tracker_quality.py`` scores a tracker on the frames it analysed. What a viewer sees, and
what the issue's target speaks of ("HOTA within 1 point of detect-every-frame at the same camera
rate"), is every frame of the camera. Here trackcast's tracker (defaults) sees the detections of
every Nth frame of the synthetic scenes (``evaluation.synthetic``: 30 s at 25 fps), as
``trackcast track --stride N`` runs it, with each frame's time as its timestamp, and all 25
frames a second are scored against the ground truth. The frames in between get either

* ``predict``: ``Tracker.predict(timestamp)``, the tracks moved along their filter's velocity
  (what ``runtime.pipeline.FramePipeline`` now does), or
* ``hold``: a copy of the last analysed frame's tracks (what it did before).

Each row is the mean ± standard deviation over the held-out seeds; ΔHOTA is the paired difference
with detection on every frame (same seed, same detections), and "within 1" counts the seeds
whose HOTA is no more than 1 point below it. "HOTA analysed" scores the same output on the
analysed frames only (``bench/tracker_quality.py``'s measure), which separates what the lower
detection rate costs the tracker from what the frames in between add. The full run (about
3 minutes on a shared 2-core machine):

    .venv/bin/python -m bench.stride_quality --seeds 5

Result of that run: predicted boxes recover about half of what holding the last boxes loses
(ΔHOTA -2.3 instead of -3.6 at 1/2, -3.9 instead of -7.3 at 1/3, -6.6 instead of -14.5 at 1/5),
but no reduced rate meets the target of 1 point: even on the analysed frames alone the tracker
is 1.5 (1/2), 2.4 (1/3) and 3.4 (1/5) points below detection on every frame, before any frame in
between is scored.

It prints a Markdown table and writes every number to bench/results/stride_quality.json.
``--quick`` is the reduced run the tests use.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import supervision as sv

from bench.tracker_quality import ROOT
from bench.tracker_runs import analysed
from bench.tracker_tables import summarize
from evaluation import MotSequence, Scores, evaluate
from evaluation.synthetic import SceneConfig, SyntheticScene, generate
from tracking import TrackerOptions, create_tracker

RATES = (1, 2, 3, 5)
"""Detection on every Nth frame."""
TARGET_HOTA_LOSS = 1.0
"""The issue's target: at most this many HOTA points below detection on every frame."""

Fill = Literal["predict", "hold"]
FILLS: tuple[Fill, ...] = ("predict", "hold")


@dataclass(frozen=True)
class Run:
    """Scores on every frame of one seed, and the tracker's time per frame."""

    scores: Scores
    ms_per_frame: float


def frame_detections(scene: SyntheticScene) -> Iterator[sv.Detections]:
    """The scene's detections, one ``Detections`` per frame from frame 1."""
    detections = scene.detections
    order = np.argsort(detections.frames, kind="stable")
    starts = np.searchsorted(detections.frames[order], np.arange(1, scene.config.frames + 2))
    for frame in range(1, scene.config.frames + 1):
        index = order[starts[frame - 1] : starts[frame]]
        boxes = detections.boxes[index]
        yield sv.Detections(
            xyxy=np.column_stack([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]]).reshape(-1, 4),
            confidence=detections.confidences[index],
            class_id=np.zeros(len(index), dtype=int),
        )


def track(scene: SyntheticScene, rate: int, fill: Fill) -> tuple[MotSequence, float]:
    """Tracker output on every frame, detecting on every ``rate``-th; mean ms per frame."""
    fps = scene.config.fps
    tracker = create_tracker(TrackerOptions(frame_rate=fps / rate))
    rows, elapsed = [], 0.0
    tracked = sv.Detections.empty()
    for frame, detections in enumerate(frame_detections(scene), start=1):
        timestamp = (frame - 1) / fps
        started = time.perf_counter()
        if (frame - 1) % rate == 0:
            tracked = tracker.update(detections, timestamp=timestamp)
            shown = tracked
        else:
            shown = tracker.predict(timestamp) if fill == "predict" else tracked
        elapsed += time.perf_counter() - started
        assert shown.tracker_id is not None
        xywh = np.column_stack([shown.xyxy[:, :2], shown.xyxy[:, 2:] - shown.xyxy[:, :2]])
        rows.append(
            np.column_stack([np.full(len(shown), frame), shown.tracker_id, xywh]).reshape(-1, 6)
        )
    return MotSequence.from_columns(np.concatenate(rows)), 1000 * elapsed / scene.config.frames


def run(scene: SyntheticScene, rate: int, fill: Fill) -> tuple[Run, Scores]:
    """Scores on every frame, with the time per frame, and on the analysed frames only."""
    pred, ms = track(scene, rate, fill)
    every = Run(evaluate(scene.gt, pred, scene.config.frames), ms)
    gt, pred, frames = analysed(replace(scene, detections=pred), rate)
    return every, evaluate(gt, pred, frames)


def benchmark(args: argparse.Namespace) -> list[dict[str, object]]:
    scenes = [generate(seed, SceneConfig(frames=args.frames)) for seed in range(args.seeds)]
    every = [run(scene, 1, "predict") for scene in scenes]
    rows = [_row(1, "detected", every, every)]
    for rate in (r for r in args.rates if r > 1):
        for fill in FILLS:
            rows.append(_row(rate, fill, [run(scene, rate, fill) for scene in scenes], every))
    return rows


def _row(
    rate: int, fill: str, runs: Sequence[tuple[Run, Scores]], every: Sequence[tuple[Run, Scores]]
) -> dict[str, object]:
    deltas = [r.scores.hota - e.scores.hota for (r, _), (e, _) in zip(runs, every, strict=True)]
    hota_analysed = [a.hota for _, a in runs]
    return {
        "rate": rate,
        "in_between": fill,
        "summary": summarize(
            [{**asdict(r.scores), "ms_per_frame": r.ms_per_frame} for r, _ in runs]
        ),
        "hota_analysed": (
            statistics.fmean(hota_analysed),
            statistics.stdev(hota_analysed) if len(runs) > 1 else 0.0,
        ),
        "delta_hota": (
            statistics.fmean(deltas),
            statistics.stdev(deltas) if len(deltas) > 1 else 0.0,
        ),
        "seeds_within_target": sum(d >= -TARGET_HOTA_LOSS for d in deltas),
        "runs": [
            {**asdict(r.scores), "ms_per_frame": r.ms_per_frame, "analysed": asdict(a)}
            for r, a in runs
        ],
    }


def markdown(rows: Sequence[dict[str, object]], fps: float) -> str:
    lines = [
        "| detection rate | frames in between | HOTA | IDF1 | MOTA | ΔHOTA vs every frame "
        "| seeds within 1 | HOTA analysed | ms/frame |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        s, runs = row["summary"], row["runs"]
        assert isinstance(s, dict) and isinstance(runs, list)
        cells = [_spread(s[k]) for k in ("hota", "idf1", "mota")]
        cells += [_spread(row["delta_hota"], "+.1f"), f"{row['seeds_within_target']}/{len(runs)}"]
        cells += [_spread(row["hota_analysed"]), f"{s['ms_per_frame'][0]:.2f}"]
        rate = int(str(row["rate"]))
        lines.append(
            f"| 1/{rate} ({fps / rate:.1f} fps) | {row['in_between']} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def _spread(mean_std: object, form: str = ".1f") -> str:
    """``mean ± std`` of a (mean, std) pair, a tuple or, read back from JSON, a list."""
    assert isinstance(mean_std, Sequence)
    mean, std = mean_std
    return f"{mean:{form}} ± {std:.1f}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="held-out seeds 0..N-1 (5)")
    parser.add_argument("--frames", type=int, default=SceneConfig.frames)
    parser.add_argument("--rates", type=int, nargs="+", default=list(RATES))
    parser.add_argument("--quick", action="store_true", help="1 seed, 150 frames")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "stride_quality.json"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.frames = 1, 150
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    rows = benchmark(args)
    print(markdown(rows, SceneConfig.fps))
    seconds = time.perf_counter() - started
    print(f"\n{args.seeds} held-out seeds, every frame scored; {seconds:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"args": {k: str(v) for k, v in vars(args).items()}, "results": rows}
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""One tracker setting on one synthetic scene at one detection rate: the benchmark's unit of work.

Work is grouped into :class:`Job` s (one tracker, one preset, one seed, several rates and settings)
so that a worker process generates each scene once; jobs are plain data and pickle, for
``concurrent.futures.ProcessPoolExecutor``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

import numpy as np
import supervision as sv

from bench.library_trackers import LibraryAdapter, LibraryTracker
from evaluation import MotSequence, Scores, evaluate
from evaluation.recall import fast_ids, recall
from evaluation.synthetic import PRESETS, Preset, SyntheticScene, generate_preset
from tracking import TrackerOptions, create_tracker

Settings = dict[str, float]
RAW_THRESHOLDS = (0.25, 0.1)
"""Raw detections' recall is reported at the tracks' start threshold and at the low threshold."""


class BenchTracker(StrEnum):
    """The trackers the benchmark compares, in table order."""

    BYTETRACK = "bytetrack"
    BOTSORT = "botsort"
    TRACKERS_BYTETRACK = "trackers-bytetrack"
    TRACKERS_OCSORT = "trackers-ocsort"
    TRACKCAST = "trackcast"

    @property
    def library(self) -> LibraryTracker | None:
        """The ``trackers`` tracker behind this row, None for trackcast's own trackers."""
        return {
            BenchTracker.TRACKERS_BYTETRACK: LibraryTracker.BYTETRACK,
            BenchTracker.TRACKERS_OCSORT: LibraryTracker.OCSORT,
        }.get(self)


def presets() -> tuple[str, ...]:
    """Scene presets ``evaluation.synthetic`` offers, walkers first."""
    return tuple(preset.value for preset in PRESETS)


@functools.lru_cache(maxsize=8)
def scene(preset: str, seed: int, frames: int) -> SyntheticScene:
    """The generated scene (cached: one worker runs many settings on it)."""
    return generate_preset(seed, Preset(preset), frames)


class _Updater(Protocol):
    def update(self, detections: sv.Detections) -> sv.Detections: ...


def make_tracker(
    tracker: BenchTracker, settings: Mapping[str, float], frame_rate: float
) -> _Updater:
    """A tracker at the processed ``frame_rate``; BoT-SORT without camera-motion compensation."""
    library = tracker.library
    if library is not None:
        return LibraryAdapter(library, frame_rate, settings)
    options = TrackerOptions(name=tracker.value, **settings)  # type: ignore[arg-type]
    return create_tracker(replace(options, frame_rate=frame_rate, gmc_method="none"))


@dataclass(frozen=True)
class Run:
    """One tracker setting on one seed at one detection rate."""

    scores: Scores
    ms_per_frame: float
    fast_recall: float
    """Recall of the fast movers' boxes (NaN where the scene has none)."""


@dataclass(frozen=True)
class Job:
    """Settings of one tracker to run on one scene, each at its rate."""

    tracker: BenchTracker
    preset: str
    seed: int
    frames: int
    runs: tuple[tuple[int, Settings], ...]
    """``(rate, settings)`` pairs."""


def analysed(scene: SyntheticScene, rate: int) -> tuple[MotSequence, MotSequence, int]:
    """Ground truth and detections of every ``rate``-th frame, renumbered from 1; frame count."""

    def every(sequence: MotSequence) -> MotSequence:
        kept = sequence.select((sequence.frames - 1) % rate == 0)
        return kept.with_frames((kept.frames - 1) // rate + 1)

    return every(scene.gt), every(scene.detections), (scene.config.frames - 1) // rate + 1


def track(detections: MotSequence, frames: int, tracker: _Updater) -> tuple[MotSequence, float]:
    """Tracker output over ``frames`` analysed frames, and the mean time per ``update`` in ms."""
    order = np.argsort(detections.frames, kind="stable")
    starts = np.searchsorted(detections.frames[order], np.arange(1, frames + 2))
    rows, elapsed = [], 0.0
    for frame in range(1, frames + 1):
        index = order[starts[frame - 1] : starts[frame]]
        boxes = detections.boxes[index]
        frame_detections = sv.Detections(
            xyxy=np.column_stack([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]]).reshape(-1, 4),
            confidence=detections.confidences[index],
            class_id=np.zeros(len(index), dtype=int),
        )
        started = time.perf_counter()
        tracked = tracker.update(frame_detections)
        elapsed += time.perf_counter() - started
        assert tracked.tracker_id is not None
        xywh = np.column_stack([tracked.xyxy[:, :2], tracked.xyxy[:, 2:] - tracked.xyxy[:, :2]])
        rows.append(
            np.column_stack(
                [np.full(len(tracked), frame), tracked.tracker_id, xywh.reshape(-1, 4)]
            ).reshape(-1, 6)
        )
    return MotSequence.from_columns(np.concatenate(rows)), 1000 * elapsed / frames


def fast_movers(scene: SyntheticScene) -> set[int]:
    """Ids of the scene's fast movers, judged at its full frame rate."""
    return fast_ids(scene.gt, scene.config.fps)


def run(
    scene: SyntheticScene, tracker: BenchTracker, settings: Mapping[str, float], rate: int
) -> Run:
    gt, detections, frames = analysed(scene, rate)
    pred, ms = track(detections, frames, make_tracker(tracker, settings, scene.config.fps / rate))
    return Run(evaluate(gt, pred, frames), ms, recall(gt, pred, fast_movers(scene)))


def run_job(job: Job) -> list[Run]:
    """The job's runs, in its order."""
    generated = scene(job.preset, job.seed, job.frames)
    return [run(generated, job.tracker, settings, rate) for rate, settings in job.runs]


@dataclass(frozen=True)
class RawJob:
    """The raw detections' fast-mover recall of one scene at several rates."""

    preset: str
    seed: int
    frames: int
    rates: tuple[int, ...]


def raw_recall(job: RawJob) -> list[dict[str, float]]:
    """Per rate: fast movers, their boxes, and recall of detections at each raw threshold."""
    generated = scene(job.preset, job.seed, job.frames)
    fast = fast_movers(generated)
    results = []
    for rate in job.rates:
        gt, detections, _ = analysed(generated, rate)
        counted = gt.confidences > 0
        row = {
            "fast_ids": float(len(fast)),
            "fast_boxes": float(np.isin(gt.ids[counted], list(fast)).sum()),
        }
        for threshold in RAW_THRESHOLDS:
            kept = detections.select(detections.confidences >= threshold)
            row[f"recall_{threshold:g}"] = recall(gt, kept, fast)
        results.append(row)
    return results

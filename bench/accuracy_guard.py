"""Accuracy of the faster backends against PyTorch FP32 on vtest.avi: boxes, tracks and counts.

PyTorch FP32 (ultralytics) is the reference. Each candidate (OpenVINO FP32, BF16 where the CPU runs
it natively, INT8; ONNX Runtime FP32 and INT8) detects people with ``person-yolov8s`` at imgsz 640
on the same frames of ``data/vtest.avi`` (all 795 by default). INT8 models are calibrated on 100
vtest frames spread over its first minute (``runtime.calibration``, what ``trackcast track`` does),
in a private cache (a temporary folder, or ``--cache-dir``). For each candidate:

* detection agreement with the reference (``evaluation.agreement``: boxes matched one to one at
  IoU 0.5): F1, precision, recall, at confidence 0.25 (where tracks start) and 0.1 (the detector's
  ``conf``, the boxes that only extend tracks);
* tracking: the candidate's and the reference's detections each tracked by the default trackcast
  tracker at the video's 10 fps with the frames' pts as timestamps: tracks per frame and distinct
  track ids, and their difference from the reference in percent;
* counting: the tracks through the demo's geometry (``scripts/demo.yaml``: line ``crossing``
  westbound/eastbound, zone ``path`` entries) with the analysers a live camera runs
  (``cli.analyze``). Where a count differs from the reference, both sides' events are listed
  (frame, track id, direction), so that the difference can be explained frame by frame.

A noise floor puts the tracking numbers in proportion: the reference's own detections, with each
confidence scaled by a seeded 1 + N(0, 0.03) and each box corner moved by N(0, 1 px) (an F1 of
about 0.995 against the unperturbed reference, closer than any INT8 model gets), tracked and counted
the same way for five seeds. How far their distinct ids and counts stray is how much of a
candidate's difference the tracker's sensitivity to tiny score changes alone can explain.

The issue's targets are printed as pass/fail: F1 at confidence 0.25 at least 0.97 for FP32 and
BF16 and 0.93 for INT8; tracks per frame and distinct ids within 5 %; line and zone counts
identical to the reference (or explained from the listed events).

    .venv/bin/python -m bench.accuracy_guard

Results go to bench/results/accuracy_guard.json (numbers and events, no boxes) and are printed
as Markdown tables. ``--quick`` (60 frames, 20 calibration frames) only proves the script runs.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import supervision as sv

from analytics import Analyser
from bench.detector_speed import (
    common_arguments,
    machine_info,
    pipelined,
    prepared,
    private_cache,
    shown_path,
)
from cli.replay import Tally, build_analysers, pick_camera, replay
from config import CameraConfig, load_config
from detectors import Backend, DetectorOptions, ModelError, Precision
from detectors.base import Image, Size
from detectors.bundled import PERSON_YOLOV8S
from evaluation.agreement import Agreement, agreement
from events import LINE_CROSSED, ZONE_ENTERED, Event, Evidence
from outputs.records import FrameResult
from runtime.calibration import calibration_frames
from stream import VideoSource
from tracking import TrackerOptions, create_tracker

ROOT = Path(__file__).resolve().parent.parent
GEOMETRY = ROOT / "scripts" / "demo.yaml"
CAMERA = "walkway"
IMGSZ = 640
REFERENCE: tuple[Backend, Precision] = ("torch", "fp32")
CANDIDATES: tuple[tuple[Backend, Precision], ...] = (
    ("openvino", "fp32"),
    ("openvino", "bf16"),
    ("openvino", "int8"),
    ("onnxruntime", "fp32"),
    ("onnxruntime", "int8"),
)
CONFIDENCES = (0.25, 0.1)
"""Agreement is scored on boxes at or above each: where tracks start, and the detector's conf."""
MIN_F1 = {"fp32": 0.97, "bf16": 0.97, "fp16": 0.97, "int8": 0.93}
"""The issue's targets, at confidence 0.25."""
MAX_TRACK_DIFF = 0.05
"""Tracks per frame and distinct ids within 5 % of the reference."""
NOISE_SEEDS = 5
NOISE_SCORE = 0.03
"""Relative standard deviation of the noise floor's confidence jitter."""
NOISE_BOX_PX = 1.0


@dataclass
class Detected:
    """One backend's detections of every frame, and what it took."""

    backend: Backend
    precision: Precision
    detections: list[sv.Detections]
    pts: list[float]
    video_fps: float
    frame_size: Size
    describe: str
    prepare_s: float
    fps: float


@dataclass(frozen=True)
class Crossing:
    """A line crossing or zone entry, as the analysers reported it."""

    kind: str
    region: str
    direction: str
    track_id: int
    frame: int
    """The frame at the event's time (for a crossing, when the track reached the far side)."""
    confirmed_frame: int | None
    """Line crossings are confirmed some frames later (the track must stay on the far side)."""

    def text(self) -> str:
        confirmed = "" if self.confirmed_frame is None else f" (confirmed {self.confirmed_frame})"
        return f"frame {self.frame} id {self.track_id} {self.direction}{confirmed}"


@dataclass
class Tracked:
    tracks_per_frame: float
    distinct_ids: int
    counts: dict[str, int]
    """``line/direction`` or ``zone/entered`` → events."""
    events: list[Crossing] = field(default_factory=list)


class Recorder(Tally):
    """A replay's tally that also keeps each line crossing and zone entry."""

    def __init__(self, pts: Sequence[float]) -> None:
        super().__init__()
        self.pts = list(pts)
        self.seen: list[Crossing] = []

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        super().emit(event, evidence)
        if event.type not in (LINE_CROSSED, ZONE_ENTERED):
            return
        confirmed = event.data.get("confirmed_at")
        self.seen.append(
            Crossing(
                kind=event.type,
                region=event.region or "",
                direction=str(event.data.get("direction", "entered")),
                track_id=int(event.track_id or 0),
                frame=self.frame_at(event.time),
                confirmed_frame=None if confirmed is None else self.frame_at(float(confirmed)),
            )
        )

    def frame_at(self, time_s: float) -> int:
        """Index of the frame whose pts is closest to ``time_s``."""
        index = bisect.bisect_left(self.pts, time_s)
        near = [i for i in (index - 1, index) if 0 <= i < len(self.pts)]
        return min(near, key=lambda i: abs(self.pts[i] - time_s))


class Footage:
    """The first ``count`` frames of a video, read again on each pass, their pts kept."""

    def __init__(self, source: Path, count: int) -> None:
        self.source = source
        self.count = count
        self.pts: list[float] = []
        self.fps = 0.0

    def images(self) -> Iterator[Image]:
        self.pts = []
        with VideoSource(str(self.source)) as video:
            self.fps = video.info.fps
            for frame in itertools.islice(video.frames(), self.count):
                self.pts.append(frame.pts if frame.pts is not None else frame.index / self.fps)
                yield frame.image


def detect(
    backend: Backend, precision: Precision, args: argparse.Namespace, calibration: list[Image]
) -> Detected:
    """Every frame's detections by one backend (ModelError when it cannot run here)."""
    options = DetectorOptions(
        model=PERSON_YOLOV8S.alias,
        imgsz=IMGSZ,
        backend=backend,
        precision=precision,
        calibration_frames=args.calibration_frames,
        cache_dir=args.cache_dir,
    )
    size: Size = (int(calibration[0].shape[0]), int(calibration[0].shape[1]))
    started = time.perf_counter()
    detector = prepared(options, size, calibration)
    prepare_s = time.perf_counter() - started
    footage = Footage(args.source, args.frames)
    try:
        started = time.perf_counter()
        detections = list(pipelined(detector, footage.images(), detector.max_in_flight))
        fps = len(detections) / (time.perf_counter() - started)
        describe = detector.describe()
    finally:
        detector.close()
    return Detected(
        backend, precision, detections, footage.pts, footage.fps, size, describe, prepare_s, fps
    )


def track(detected: Detected, camera: CameraConfig, lost_timeout_s: float) -> Tracked:
    """Track the detections frame by frame, and count them through the camera's geometry."""
    tracker = create_tracker(TrackerOptions(name="trackcast", frame_rate=detected.video_fps))
    image = np.zeros((*detected.frame_size, 3), np.uint8)
    results: list[FrameResult] = []
    for index, (detections, pts) in enumerate(zip(detected.detections, detected.pts, strict=True)):
        tracks = tracker.update(detections, timestamp=pts)
        results.append(FrameResult(index, pts, image, tracks, camera_id=camera.id, received_at=pts))
    recorder = Recorder(detected.pts)
    analysers: Sequence[Analyser] = build_analysers(camera, recorder, lost_timeout_s)
    replay(iter(results), analysers)
    ids = {int(i) for r in results if r.tracks.tracker_id is not None for i in r.tracks.tracker_id}
    return Tracked(
        tracks_per_frame=sum(len(r.tracks) for r in results) / len(results),
        distinct_ids=len(ids),
        counts=counts(recorder, camera),
        events=recorder.seen,
    )


def perturbed(detected: Detected, seed: int) -> Detected:
    """``detected`` with seeded jitter on every confidence and box corner (the noise floor)."""
    rng = np.random.default_rng(seed)
    jittered: list[sv.Detections] = []
    for detections in detected.detections:
        copy = detections[np.arange(len(detections))]
        assert isinstance(copy, sv.Detections)
        if len(copy):
            scale = 1 + rng.normal(0, NOISE_SCORE, len(copy))
            assert copy.confidence is not None
            copy.confidence = np.clip(copy.confidence * scale, 0, 1).astype(np.float32)
            shift = rng.normal(0, NOISE_BOX_PX, copy.xyxy.shape)
            copy.xyxy = (copy.xyxy + shift).astype(np.float32)
        jittered.append(copy)
    return replace(detected, detections=jittered, describe=f"{detected.describe} + noise {seed}")


def counts(tally: Tally, camera: CameraConfig) -> dict[str, int]:
    """Crossings per line and direction, entries per zone (summed over classes)."""
    wanted = {
        **{
            (LINE_CROSSED, line.name, direction): f"{line.name}/{direction}"
            for line in camera.lines
            for direction in (line.in_name, line.out_name)
        },
        **{(ZONE_ENTERED, zone.name, ""): f"{zone.name}/entered" for zone in camera.zones},
    }
    found = dict.fromkeys(wanted.values(), 0)
    for (kind, region, direction, _), n in tally.counts.items():
        name = wanted.get((kind, region, direction))
        if name is not None:
            found[name] += n
    return found


def difference(value: float, reference: float) -> float:
    """``value`` minus ``reference``, in percent of ``reference``."""
    return 100 * (value - reference) / reference if reference else 0.0


def compare(
    reference: tuple[Detected, Tracked], candidate: tuple[Detected, Tracked]
) -> dict[str, object]:
    """The candidate's agreement, tracking and counts against the reference, with pass/fail."""
    (ref_detected, ref_tracked), (detected, tracked) = reference, candidate
    scores: dict[float, Agreement] = {
        c: agreement(ref_detected.detections, detected.detections, min_confidence=c)
        for c in CONFIDENCES
    }
    per_frame = difference(tracked.tracks_per_frame, ref_tracked.tracks_per_frame)
    ids = difference(tracked.distinct_ids, ref_tracked.distinct_ids)
    differing = sorted(k for k, v in tracked.counts.items() if v != ref_tracked.counts[k])
    return {
        "backend": detected.backend,
        "precision": detected.precision,
        "describe": detected.describe,
        "prepare_s": round(detected.prepare_s, 1),
        "detection_fps": round(detected.fps, 2),
        "agreement": {
            str(c): {**asdict(a), "precision": a.precision, "recall": a.recall, "f1": a.f1}
            for c, a in scores.items()
        },
        "tracks_per_frame": tracked.tracks_per_frame,
        "tracks_per_frame_diff_pct": per_frame,
        "distinct_ids": tracked.distinct_ids,
        "distinct_ids_diff_pct": ids,
        "counts": tracked.counts,
        "counts_differing": differing,
        "events": [asdict(e) for e in tracked.events] if differing else [],
        "pass": {
            "f1": scores[CONFIDENCES[0]].f1 >= MIN_F1[detected.precision],
            "tracks": max(abs(per_frame), abs(ids)) <= 100 * MAX_TRACK_DIFF,
            "counts": not differing,
        },
    }


def markdown(reference: Tracked, rows: Sequence[dict[str, object]]) -> str:
    confidences = " | ".join(f"F1 / P / R @{c}" for c in CONFIDENCES)
    lines = [
        f"| candidate | {confidences} | F1 target | tracks/frame (Δ%) | ids (Δ%) | tracks ±5 % "
        "| counts | counts identical |",
        "|---|" + "---|" * (len(CONFIDENCES) + 6),
        f"| torch fp32 (reference) |{' - |' * len(CONFIDENCES)} - "
        f"| {reference.tracks_per_frame:.2f} | {reference.distinct_ids} | - "
        f"| {_counts(reference.counts)} | - |",
    ]
    for row in rows:
        if "skipped" in row:
            lines.append(f"| {row['backend']} {row['precision']} | skipped: {row['skipped']} |")
            continue
        label = row.get("label", f"{row['backend']} {row['precision']}")
        scores, passed = row["agreement"], row["pass"]
        counted = row["counts"]
        assert isinstance(scores, dict) and isinstance(passed, dict)
        assert isinstance(counted, dict)
        cells = [
            "{f1:.3f} / {precision:.3f} / {recall:.3f}".format(**scores[str(c)])
            for c in CONFIDENCES
        ]
        target = MIN_F1[str(row["precision"])]
        lines.append(
            f"| {label} | " + " | ".join(cells) + f" | ≥ {target} {_verdict(passed['f1'])} "
            f"| {row['tracks_per_frame']:.2f} ({row['tracks_per_frame_diff_pct']:+.1f}) "
            f"| {row['distinct_ids']} ({row['distinct_ids_diff_pct']:+.1f}) "
            f"| {_verdict(passed['tracks'])} | {_counts(counted)} "
            f"| {_verdict(passed['counts'])} |"
        )
    return "\n".join(lines)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items())


def _verdict(passed: object) -> str:
    return "pass" if passed else "FAIL"


def event_listing(reference: Tracked, rows: Sequence[dict[str, object]]) -> str:
    """Both sides' events of every region whose count differs, for explaining them."""
    out = []
    for row in rows:
        differing, events = row.get("counts_differing"), row.get("events")
        if not differing:
            continue
        assert isinstance(differing, list) and isinstance(events, list)
        regions = {name.split("/")[0] for name in differing}
        what = str(row.get("label", f"{row['backend']} {row['precision']}"))
        out.append(f"\n{what}: counts differ in {', '.join(differing)}")
        sides = (("torch fp32", reference.events), (what, [Crossing(**e) for e in events]))
        for side, listed in sides:
            shown = "; ".join(e.text() for e in listed if e.region in regions)
            out.append(f"  {side}: {shown or 'none'}")
    return "\n".join(out)


def benchmark(args: argparse.Namespace) -> tuple[Tracked, list[dict[str, object]]]:
    config = load_config(GEOMETRY)
    camera = pick_camera(config.cameras, CAMERA, source=str(GEOMETRY))
    lost_timeout_s = config.tracker_for(camera).lost_timeout_s
    calibration = calibration_frames(str(args.source), args.calibration_frames)
    print("torch fp32 (reference): detecting", flush=True)
    ref_detected = detect(*REFERENCE, args, calibration)
    reference = (ref_detected, track(ref_detected, camera, lost_timeout_s))
    rows: list[dict[str, object]] = []
    for seed in range(NOISE_SEEDS):
        noisy = perturbed(ref_detected, seed)
        row = compare(reference, (noisy, track(noisy, camera, lost_timeout_s)))
        rows.append({**row, "label": f"noise floor, seed {seed}"})
    for backend, precision in CANDIDATES:
        print(f"{backend} {precision}: detecting", flush=True)
        try:
            detected = detect(backend, precision, args, calibration)
        except ModelError as error:
            print(f"  skipped: {error}", flush=True)
            rows.append({"backend": backend, "precision": precision, "skipped": str(error)})
            continue
        rows.append(compare(reference, (detected, track(detected, camera, lost_timeout_s))))
    return reference[1], rows


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_arguments(parser, "accuracy_guard")
    parser.add_argument("--frames", type=int, default=795, help="frames from the start (795)")
    parser.add_argument("--quick", action="store_true", help="60 frames, 20 calibration frames")
    args = parser.parse_args(argv)
    if args.quick:
        args.frames, args.calibration_frames = 60, 20
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    machine = machine_info()
    started = time.perf_counter()
    with private_cache(args.cache_dir) as args.cache_dir:
        reference, rows = benchmark(args)
    report = {
        "source": shown_path(args.source),
        "frames": args.frames,
        "model": PERSON_YOLOV8S.alias,
        "imgsz": IMGSZ,
        "geometry": f"{shown_path(GEOMETRY)} camera {CAMERA}",
        "calibration_frames": args.calibration_frames,
        "targets": {"min_f1_at_0.25": MIN_F1, "max_track_diff_pct": 100 * MAX_TRACK_DIFF},
        "machine": machine,
        "seconds": round(time.perf_counter() - started),
        "reference": {"backend": "torch", "precision": "fp32", **asdict(reference)},
        "candidates": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(markdown(reference, rows))
    print(event_listing(reference, rows))
    print(f"\n{args.frames} frames of {shown_path(args.source)}; wrote {args.out}")


if __name__ == "__main__":
    main()

"""Detector ceiling per backend and precision: fps and ms for person-yolov8s and the YOLO11n
architecture at 320 and 640.

Each model runs at each size on PyTorch FP32 (ultralytics), ONNX Runtime FP32 and INT8, and
OpenVINO FP32, BF16 (only where the CPU runs it natively; otherwise the row says why it was
skipped) and INT8, on frames of ``data/vtest.avi`` (768x576: the exported backends letterbox it
to 256x320 or 480x640, and ultralytics does the same for PyTorch). Exported models are made in a
private cache (a temporary folder, or ``--cache-dir``; one subfolder per size, so that INT8 is
calibrated at the size it runs at) on vtest frames spread over its first minute
(``runtime.calibration``). Two numbers per row, detection only (no decoding or tracking):

* latency: ``plan(1)`` (one stream using every thread), one frame at a time, p50 and p95 in ms;
* throughput: ``plan(max_in_flight)`` (OpenVINO: one stream per thread), ``max_in_flight``
  single-frame submissions kept in flight, frames per second.

Within a model and size every row is measured once per repeat, in an order that rotates from one
repeat to the next, and the median over repeats is reported, so that a noisy moment of a shared
machine does not favour one row. "x torch" compares with PyTorch FP32 of the same model and size
in the same run: latency p50 speed-up and throughput ratio. The YOLO11n architecture is built
offline from ultralytics' ``yolo11n.yaml`` with random weights: its timings are real, its boxes
are not.

    .venv/bin/python -m bench.detector_speed --repeats 3

Results go to bench/results/detector_speed.json, with the machine (cores, CPU model and flags, load
averages at the start, library versions), and are printed as a Markdown table. ``--quick`` (one
model at 320, a few frames) only proves the script runs.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import cv2
import numpy as np
import supervision as sv

from detectors import (
    Backend,
    Detector,
    DetectorOptions,
    ModelError,
    PendingDetections,
    Precision,
    load_detector,
)
from detectors.base import Image, Size
from detectors.bundled import PERSON_YOLOV8S
from detectors.letterbox import input_size
from detectors.loader import available_cores
from runtime.calibration import calibration_frames
from stream import VideoSource

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "vtest.avi"
YOLO11N = "yolo11n-architecture"
"""The YOLO11n network with random weights (speed only)."""
MODELS = (PERSON_YOLOV8S.alias, YOLO11N)
SIZES = (320, 640)
VARIANTS: tuple[tuple[Backend, Precision], ...] = (
    ("torch", "fp32"),
    ("onnxruntime", "fp32"),
    ("onnxruntime", "int8"),
    ("openvino", "fp32"),
    ("openvino", "bf16"),
    ("openvino", "int8"),
)
CPU_FLAGS = (
    "avx2",
    "avx512f",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)
"""CPU features that decide which precisions run fast (VNNI/AMX for INT8, AVX512-BF16/AMX)."""
PACKAGES = ("torch", "ultralytics", "openvino", "onnxruntime", "nncf", "numpy", "supervision")


# -- shared by the detector benchmarks (accuracy_guard, thread_budget) -------------------------


def machine_info() -> dict[str, object]:
    """Cores, CPU model and flags, load averages now, library versions."""
    cpuinfo = Path("/proc/cpuinfo")
    fields: dict[str, str] = {}
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())
    from detectors.openvino_backend import cpu_capabilities

    return {
        "cpus": os.cpu_count(),
        "available_cores": available_cores(),
        "cpu_model": fields.get("model name") or platform.processor() or platform.machine(),
        "cpu_flags": {flag: flag in flags for flag in CPU_FLAGS},
        "openvino_capabilities": list(cpu_capabilities()),
        "load_average_1_5_15": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in PACKAGES} | {"opencv": cv2.__version__},
    }


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def read_frames(source: Path, count: int) -> list[Image]:
    """The first ``count`` frames of ``source``."""
    with VideoSource(str(source)) as video:
        return [frame.image for frame in itertools.islice(video.frames(), count)]


def yolo11n_architecture(folder: Path) -> Path:
    """ultralytics' YOLO11n built from its yaml, random weights, saved in ``folder`` (offline).

    An existing file is reused, so that a ``--cache-dir`` keeps its exports (they are keyed by
    the weights' digest)."""
    path = folder / "yolo11n-random.pt"
    if not path.exists():
        from ultralytics import YOLO

        folder.mkdir(parents=True, exist_ok=True)
        YOLO("yolo11n.yaml").save(path)
        YOLO(str(path))  # fails here, not in the middle of the benchmark, if it does not reload
    return path


def common_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    """``--source``, ``--calibration-frames``, ``--cache-dir``, and ``--out`` (default
    bench/results/NAME.json)."""
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--calibration-frames", type=int, default=100, help="INT8 (100)")
    parser.add_argument(
        "--cache-dir", type=Path, help="keep exported models here (default: a temporary folder)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / f"{name}.json")


def timing_arguments(parser: argparse.ArgumentParser, frames: int) -> None:
    """``--frames`` (timed per measurement), ``--warmup`` and ``--repeats``."""
    parser.add_argument("--frames", type=int, default=frames, help="timed frames per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="untimed frames before each")
    parser.add_argument("--repeats", type=int, default=3, help="measurements of each row")


@contextlib.contextmanager
def private_cache(requested: Path | None) -> Iterator[Path]:
    """``requested``, else a temporary folder removed afterwards: where this run exports models
    (never the user's cache, whose INT8 models may be calibrated on other footage)."""
    if requested is not None:
        yield requested
        return
    with tempfile.TemporaryDirectory(prefix="trackcast-bench-") as scratch:
        yield Path(scratch)


def prepared(options: DetectorOptions, frame_size: Size, calibration: Sequence[Image]) -> Detector:
    """``load_detector`` then ``prepare`` (export, INT8 calibration, compile); ModelError when the
    backend or precision cannot run here."""
    detector = load_detector(options, progress=lambda message: print(f"  {message}", flush=True))
    wanted = detector.calibration_frames_wanted
    detector.prepare(frame_size, calibration[:wanted] if wanted else ())
    return detector


def pipelined(
    detector: Detector, frames: Iterable[Image], in_flight: int
) -> Iterator[sv.Detections]:
    """Detections of ``frames`` in order, ``in_flight`` single-frame submissions kept running
    (after ``plan(in_flight)``)."""
    in_flight = max(1, min(in_flight, detector.max_in_flight))
    detector.plan(in_flight)
    pending: deque[PendingDetections] = deque()
    for frame in frames:
        if len(pending) >= in_flight:
            yield from pending.popleft().result()
        pending.append(detector.submit([frame]))
    while pending:
        yield from pending.popleft().result()


def throughput_fps(
    detector: Detector, frames: Sequence[Image], in_flight: int, warmup: int
) -> float:
    """Frames per second with ``in_flight`` frames in flight, after ``warmup`` untimed frames
    (which compile the engine ``plan`` asks for)."""
    for _ in pipelined(detector, frames[:warmup], in_flight):
        pass
    started = time.perf_counter()
    count = sum(1 for _ in pipelined(detector, frames, in_flight))
    return count / (time.perf_counter() - started)


def latency_ms(detector: Detector, frames: Sequence[Image], warmup: int) -> list[float]:
    """Milliseconds per frame, one frame at a time with ``plan(1)``."""
    detector.plan(1)
    for frame in frames[:warmup]:
        detector.detect([frame])
    times = []
    for frame in frames:
        started = time.perf_counter()
        detector.detect([frame])
        times.append(1000 * (time.perf_counter() - started))
    return times


def shown_path(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def finite(value: float) -> float | None:
    """``value``, or None for NaN (JSON has no NaN)."""
    return None if value != value else value


def rotations(count: int, repeat: int) -> list[int]:
    """Indices 0..count-1 starting at ``repeat`` (mod count): each repeat starts elsewhere."""
    start = repeat % count if count else 0
    return [*range(start, count), *range(start)]


# -- this benchmark -----------------------------------------------------------------------------


@dataclass
class Row:
    """One model, size, backend and precision, and what was measured."""

    model: str
    imgsz: int
    input_hw: Size
    backend: Backend
    precision: Precision
    prepare_s: float = 0.0
    """Load, export, INT8 calibration and compile (first use, private cache)."""
    describe: str = ""
    skipped: str | None = None
    latency_p50_ms: list[float] = field(default_factory=list)
    latency_p95_ms: list[float] = field(default_factory=list)
    throughput_fps: list[float] = field(default_factory=list)
    in_flight: int = 1

    def median(self, name: str) -> float:
        values: list[float] = getattr(self, name)
        return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class Footage:
    frames: list[Image]
    """Timed frames."""
    calibration: list[Image]
    """INT8 calibration frames."""


def measure_group(
    rows: list[Row], weights: str, cache: Path, footage: Footage, args: argparse.Namespace
) -> None:
    """Load every row of one model and size, then measure them interleaved."""
    frames = footage.frames
    frame_size: Size = (int(frames[0].shape[0]), int(frames[0].shape[1]))
    loaded: list[tuple[Row, Detector]] = []
    try:
        for row in rows:
            options = DetectorOptions(
                model=weights,
                imgsz=row.imgsz,
                backend=row.backend,
                precision=row.precision,
                calibration_frames=args.calibration_frames,
                cache_dir=cache,
            )
            print(f"{row.model} {row.imgsz} {row.backend} {row.precision}: preparing", flush=True)
            started = time.perf_counter()
            try:
                detector = prepared(options, frame_size, footage.calibration)
            except ModelError as error:
                row.skipped = str(error)
                print(f"  skipped: {error}", flush=True)
                continue
            row.prepare_s = time.perf_counter() - started
            row.describe = detector.describe()
            row.in_flight = detector.max_in_flight
            loaded.append((row, detector))
        for repeat in range(args.repeats):
            for index in rotations(len(loaded), repeat):
                row, detector = loaded[index]
                times = latency_ms(detector, frames, args.warmup)
                row.latency_p50_ms.append(statistics.median(times))
                row.latency_p95_ms.append(float(np.percentile(times, 95)))
                row.throughput_fps.append(
                    throughput_fps(detector, frames, detector.max_in_flight, args.warmup)
                )
                print(
                    f"  repeat {repeat + 1}: {row.backend} {row.precision}: "
                    f"p50 {row.latency_p50_ms[-1]:.1f} ms, {row.throughput_fps[-1]:.2f} fps",
                    flush=True,
                )
    finally:
        for _, detector in loaded:
            detector.close()


def benchmark(args: argparse.Namespace) -> list[Row]:
    cache_root: Path = args.cache_dir
    footage = Footage(
        read_frames(args.source, args.frames),
        calibration_frames(str(args.source), args.calibration_frames),
    )
    image = footage.frames[0]
    frame_size: Size = (int(image.shape[0]), int(image.shape[1]))
    all_rows: list[Row] = []
    for model in args.models:
        weights = str(yolo11n_architecture(cache_root)) if model == YOLO11N else model
        for imgsz in args.imgsz:
            rows = [
                Row(model, imgsz, input_size(frame_size, imgsz), backend, precision)
                for backend, precision in VARIANTS
            ]
            measure_group(rows, weights, cache_root / f"imgsz{imgsz}", footage, args)
            all_rows += rows
    return all_rows


def reference(rows: Sequence[Row], row: Row) -> Row | None:
    """PyTorch FP32 of the same model and size, if it was measured."""
    for other in rows:
        same = (other.model, other.imgsz) == (row.model, row.imgsz)
        if same and (other.backend, other.precision) == ("torch", "fp32") and not other.skipped:
            return other
    return None


def ratios(rows: Sequence[Row], row: Row) -> tuple[float, float]:
    """(latency p50 speed-up, throughput ratio) against PyTorch FP32; NaN without it."""
    torch_row = reference(rows, row)
    if torch_row is None or row.skipped:
        return float("nan"), float("nan")
    return (
        torch_row.median("latency_p50_ms") / row.median("latency_p50_ms"),
        row.median("throughput_fps") / torch_row.median("throughput_fps"),
    )


def row_json(rows: Sequence[Row], row: Row) -> dict[str, object]:
    """Every measurement of ``row``, its medians and ratios (None where skipped)."""
    medians = ("latency_p50_ms", "latency_p95_ms", "throughput_fps")
    latency, fps = ratios(rows, row)
    return {
        **asdict(row),
        "median": {name: finite(row.median(name)) for name in medians},
        "x_torch_fp32": {"latency": finite(latency), "throughput": finite(fps)},
    }


def markdown(rows: Sequence[Row]) -> str:
    lines = [
        "| model | imgsz (input HxW) | backend | precision | latency p50 / p95 ms "
        "| throughput fps (in flight) | x torch fp32 (latency, fps) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        size = f"{row.imgsz} ({row.input_hw[0]}x{row.input_hw[1]})"
        head = f"| {row.model} | {size} | {row.backend} | {row.precision} |"
        if row.skipped:
            lines.append(f"{head} skipped: {row.skipped} | | |")
            continue
        latency, fps = ratios(rows, row)
        lines.append(
            f"{head} {row.median('latency_p50_ms'):.1f} / {row.median('latency_p95_ms'):.1f} "
            f"| {row.median('throughput_fps'):.2f} ({row.in_flight}) "
            f"| {latency:.2f}x, {fps:.2f}x |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_arguments(parser, "detector_speed")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--imgsz", type=int, nargs="+", default=list(SIZES))
    timing_arguments(parser, frames=100)
    parser.add_argument("--quick", action="store_true", help="person-yolov8s at 320, 8 frames")
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.imgsz = [PERSON_YOLOV8S.alias], [320]
        args.frames, args.warmup, args.repeats, args.calibration_frames = 8, 2, 1, 10
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    machine = machine_info()
    started = time.perf_counter()
    with private_cache(args.cache_dir) as args.cache_dir:
        rows = benchmark(args)
    report = {
        "source": shown_path(args.source),
        "args": {k: str(v) for k, v in vars(args).items()},
        "machine": machine,
        "seconds": round(time.perf_counter() - started),
        "rows": [row_json(rows, row) for row in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(markdown(rows))
    print(
        f"\n{machine['available_cores']} cores, {machine['cpu_model']}, load average at start "
        f"{machine['load_average_1_5_15']}; {args.repeats} repeat(s) of {args.frames} frames"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

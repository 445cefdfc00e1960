"""Evidence for the thread budget (``runtime/threads.py``): detector throughput, quiet and with
one busy neighbour process.

``person-yolov8s`` at imgsz 640 detects frames of ``data/vtest.avi`` (768x576, so 480x640 inputs)
with the detector kept as busy as its setting allows, first on a quiet machine, then with one
neighbour that keeps a core busy (``python -c "while True: pass"``, started here and killed at the
end of each busy pass): what a live service's decoders and encoders do to inference. Settings:

* PyTorch FP32 with 2 and 1 OpenMP threads (one frame at a time);
* OpenVINO INT8 with ``plan(1)``: one stream using both threads, one frame in flight; and with
  ``plan(2)``: two streams of one thread each, two frames in flight;
* ONNX Runtime FP32 with 2 and 1 intra-op threads (two submissions in flight: one running, one
  queued).

Reported per setting: fps quiet, fps busy and busy/quiet (1.0: the neighbour costs nothing; 0.5:
what losing one of two cores costs a setting that scales perfectly; below 0.5: it collapses).
Quiet and busy passes alternate over ``--repeats`` in a rotating order, and the median is
reported. INT8 is calibrated on vtest frames in a private cache (a temporary folder, or
``--cache-dir``).

    .venv/bin/python -m bench.thread_budget --repeats 3

Results go to bench/results/thread_budget.json, with the machine (cores, CPU model and flags, load
averages at the start, library versions), and are printed as a Markdown table. ``--quick`` (a few
frames, one repeat) only proves the script runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.detector_speed import (
    common_arguments,
    machine_info,
    prepared,
    private_cache,
    read_frames,
    rotations,
    shown_path,
    throughput_fps,
    timing_arguments,
)
from detectors import Backend, Detector, DetectorOptions, Precision
from detectors.base import Image, Size
from detectors.bundled import PERSON_YOLOV8S
from runtime.calibration import calibration_frames

ROOT = Path(__file__).resolve().parent.parent
IMGSZ = 640
NEIGHBOUR = "while True: pass"
SETTLE_S = 1.0
"""Time the neighbour gets to start spinning before a busy pass."""


@dataclass(frozen=True)
class Setting:
    label: str
    backend: Backend
    precision: Precision
    threads: int
    in_flight: int


SETTINGS = (
    Setting("torch fp32, 2 threads", "torch", "fp32", 2, 1),
    Setting("torch fp32, 1 thread", "torch", "fp32", 1, 1),
    Setting("openvino int8, plan(1): 1 stream x 2 threads", "openvino", "int8", 2, 1),
    Setting("openvino int8, plan(2): 2 streams x 1 thread", "openvino", "int8", 2, 2),
    Setting("onnxruntime fp32, 2 threads", "onnxruntime", "fp32", 2, 2),
    Setting("onnxruntime fp32, 1 thread", "onnxruntime", "fp32", 1, 2),
)


@dataclass
class Measured:
    setting: Setting
    describe: str = ""
    quiet_fps: list[float] = field(default_factory=list)
    busy_fps: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.busy_fps) / statistics.median(self.quiet_fps)


@contextlib.contextmanager
def busy_neighbour() -> Iterator[int]:
    """A process spinning on one core while the block runs; its pid."""
    process = subprocess.Popen([sys.executable, "-c", NEIGHBOUR])
    try:
        time.sleep(SETTLE_S)
        yield process.pid
    finally:
        process.kill()
        process.wait()


def load(setting: Setting, args: argparse.Namespace, calibration: Sequence[Image]) -> Detector:
    options = DetectorOptions(
        model=PERSON_YOLOV8S.alias,
        imgsz=IMGSZ,
        backend=setting.backend,
        precision=setting.precision,
        threads=setting.threads,
        calibration_frames=args.calibration_frames,
        cache_dir=args.cache_dir,
    )
    size: Size = (int(calibration[0].shape[0]), int(calibration[0].shape[1]))
    return prepared(options, size, calibration)


def measure_pass(
    loaded: Sequence[tuple[Measured, Detector]],
    frames: Sequence[Image],
    args: argparse.Namespace,
    *,
    busy: bool,
    repeat: int,
) -> list[float]:
    """One throughput run of every setting; returns the load averages at its start."""
    load_average = [round(v, 2) for v in os.getloadavg()]
    for index in rotations(len(loaded), repeat):
        measured, detector = loaded[index]
        fps = throughput_fps(detector, frames, measured.setting.in_flight, args.warmup)
        (measured.busy_fps if busy else measured.quiet_fps).append(fps)
        mode = "busy" if busy else "quiet"
        print(f"  {mode} {repeat + 1}: {measured.setting.label}: {fps:.2f} fps", flush=True)
    return load_average


def benchmark(args: argparse.Namespace) -> tuple[list[Measured], list[dict[str, object]]]:
    frames = read_frames(args.source, args.frames)
    calibration = calibration_frames(str(args.source), args.calibration_frames)
    loaded: list[tuple[Measured, Detector]] = []
    passes: list[dict[str, object]] = []
    try:
        for setting in SETTINGS:
            print(f"{setting.label}: preparing", flush=True)
            detector = load(setting, args, calibration)
            loaded.append((Measured(setting, detector.describe()), detector))
        for repeat in range(args.repeats):
            for busy in (repeat % 2 == 1, repeat % 2 == 0):
                neighbour = busy_neighbour() if busy else contextlib.nullcontext(None)
                with neighbour as pid:
                    load_average = measure_pass(loaded, frames, args, busy=busy, repeat=repeat)
                passes.append(
                    {"repeat": repeat, "busy": busy, "neighbour": pid, "load_average": load_average}
                )
    finally:
        for _, detector in loaded:
            detector.close()
    return [measured for measured, _ in loaded], passes


def markdown(results: Sequence[Measured]) -> str:
    lines = [
        "| setting | in flight | fps quiet | fps busy | busy / quiet |",
        "|---|---|---|---|---|",
    ]
    for m in results:
        lines.append(
            f"| {m.setting.label} | {m.setting.in_flight} | {statistics.median(m.quiet_fps):.2f} "
            f"| {statistics.median(m.busy_fps):.2f} | {m.ratio:.2f} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_arguments(parser, "thread_budget")
    timing_arguments(parser, frames=60)
    parser.add_argument("--quick", action="store_true", help="6 frames, 1 repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.frames, args.warmup, args.repeats, args.calibration_frames = 6, 2, 1, 10
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    machine = machine_info()
    started = time.perf_counter()
    with private_cache(args.cache_dir) as args.cache_dir:
        results, passes = benchmark(args)
    report = {
        "source": shown_path(args.source),
        "model": PERSON_YOLOV8S.alias,
        "imgsz": IMGSZ,
        "frames": args.frames,
        "repeats": args.repeats,
        "neighbour": f'{sys.executable} -c "{NEIGHBOUR}"',
        "machine": machine,
        "seconds": round(time.perf_counter() - started),
        "passes": passes,
        "results": [
            {
                **asdict(m),
                "quiet_fps_median": statistics.median(m.quiet_fps),
                "busy_fps_median": statistics.median(m.busy_fps),
                "busy_over_quiet": m.ratio,
            }
            for m in results
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(markdown(results))
    print(
        f"\n{machine['available_cores']} cores, {machine['cpu_model']}, load average at start "
        f"{machine['load_average_1_5_15']}; {args.repeats} repeat(s) of {args.frames} frames; "
        f"wrote {args.out}"
    )


if __name__ == "__main__":
    main()

"""Throughput of ``trackcast track`` against ultralytics' own ``model.track`` on the same footage.

Both run the same weights at the same inference size with ByteTrack, end to end (model load,
decoding, inference, tracking), in one process, one after the other, repeated and interleaved.
trackcast is measured with its default backend (OpenVINO INT8 on the CPU) without outputs (like
for like) and writing all three outputs, and on PyTorch FP32 like ultralytics. The one-time export
and INT8 calibration happen before the first timed run (they are cached, as in normal use).

    .venv/bin/python -m bench.track_fps --frames 795 --repeats 2

Results go to bench/results/track_fps.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from bench.detector_speed import machine_info
from detectors import Backend, DetectorOptions
from detectors.bundled import PERSON_YOLOV8S
from runtime import FileJob, JobOptions
from tracking import TrackerOptions

ROOT = Path(__file__).resolve().parent.parent


def ultralytics_track(source: Path, weights: Path, imgsz: int, frames: int) -> int:
    from ultralytics import YOLO

    model = YOLO(str(weights))
    count = 0
    stream = model.track(
        str(source), stream=True, imgsz=imgsz, tracker="bytetrack.yaml", verbose=False
    )
    for _ in stream:
        count += 1
        if count >= frames:
            break
    return count


def trackcast_track(
    source: Path, imgsz: int, frames: int, outputs: Path | None, backend: Backend = "auto"
) -> int:
    options = JobOptions(
        source=str(source),
        detector=DetectorOptions(model=PERSON_YOLOV8S.alias, imgsz=imgsz, backend=backend),
        tracker=TrackerOptions(name="bytetrack"),
        max_frames=frames,
        video=outputs / "v.mp4" if outputs else None,
        mot=outputs / "v.txt" if outputs else None,
        jsonl=outputs / "v.jsonl" if outputs else None,
    )
    return FileJob(options).run().decode.decoded


def timed(run: Callable[[], int]) -> float:
    started = time.perf_counter()
    frames = run()
    return frames / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "vtest.avi")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--imgsz", type=int, default=640)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "track_fps.json")
    args = parser.parse_args()
    (weights,) = PERSON_YOLOV8S.locate()
    names = ("ultralytics", "trackcast", "trackcast+outputs", "trackcast torch")
    fps: dict[str, list[float]] = {name: [] for name in names}
    load = os.getloadavg()
    trackcast_track(args.source, args.imgsz, 1, None)  # export and calibrate once, untimed
    with tempfile.TemporaryDirectory() as scratch:
        runs: dict[str, Callable[[], int]] = {
            "ultralytics": lambda: ultralytics_track(args.source, weights, args.imgsz, args.frames),
            "trackcast": lambda: trackcast_track(args.source, args.imgsz, args.frames, None),
            "trackcast+outputs": lambda: trackcast_track(
                args.source, args.imgsz, args.frames, Path(scratch)
            ),
            "trackcast torch": lambda: trackcast_track(
                args.source, args.imgsz, args.frames, None, backend="torch"
            ),
        }
        for _ in range(args.repeats):
            for name, run in runs.items():
                fps[name].append(timed(run))
                print(f"{name}: {fps[name][-1]:.2f} fps", flush=True)
    median = {name: statistics.median(values) for name, values in fps.items()}
    result = {
        "source": str(
            args.source.relative_to(ROOT) if args.source.is_relative_to(ROOT) else args.source
        ),
        "frames": args.frames,
        "imgsz": args.imgsz,
        "model": PERSON_YOLOV8S.alias,
        "tracker": "bytetrack",
        "repeats": args.repeats,
        "fps": fps,
        "median_fps": median,
        "ratio_vs_ultralytics": {name: median[name] / median["ultralytics"] for name in names},
        "load_before": load,
        "machine_info": machine_info(),
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("\n| run | fps (median) | vs ultralytics |\n|---|---|---|")
    for name, value in median.items():
        print(f"| {name} | {value:.2f} | {value / median['ultralytics']:.2f}x |")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

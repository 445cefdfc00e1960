"""Live cameras: capture-to-track latency, and how many 720p 10 fps cameras run in real time.

A real RTSP server (the test suite's GStreamer server) loops a 1280x720, 10 fps clip cut from
vtest.avi, with each frame's number burned into its top-left corner and the wall time of every
frame it sends logged. trackcast's CameraRuntime consumes it:

* latency: one camera; for each tracked frame, the time from the server sending it to the tracked
  result reaching a subscriber (p50, p95), and the decode part of it;
* capacity: N cameras on the same stream, for each imgsz and with batching on (4 frames, 20 ms)
  and off (1 frame); N grows until some camera analyses fewer than 9 of its 10 fps.

    .venv/bin/python -m bench.live_cameras            # writes bench/results/live_cameras.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from config import AppConfig, CameraConfig, DetectorConfig, RuntimeConfig
from runtime.cameras import CameraRuntime
from tests.servers.rtsp import RtspCamera, encode_camera_clip

ROOT = Path(__file__).resolve().parent.parent
FPS = 10
BITS = 12
CELL = 24


def stamp(image: npt.NDArray[np.uint8], index: int) -> None:
    """Burn ``index`` into the image as BITS black or white squares."""
    for bit in range(BITS):
        value = 255 if index >> bit & 1 else 0
        x = 8 + bit * CELL
        image[8 : 8 + CELL, x : x + CELL] = value


def read_stamp(image: npt.NDArray[np.uint8]) -> int:
    index = 0
    for bit in range(BITS):
        x = 8 + bit * CELL
        if image[14 : 2 + CELL, x + 6 : x + CELL - 6].mean() > 128:
            index |= 1 << bit
    return index


class PushLog:
    """Wall time at which the server last sent each clip frame."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: dict[int, float] = {}

    def record(self, position_s: float, wall: float) -> None:
        with self._lock:
            self._sent[round(position_s * FPS)] = wall

    def sent_at(self, index: int) -> float | None:
        with self._lock:
            return self._sent.get(index)


def camera_config(
    detector: DetectorConfig, url: str, n: int, batch: int, wait_ms: float
) -> AppConfig:
    return AppConfig(
        detector=detector,
        runtime=RuntimeConfig(batch_size=batch, batch_wait_ms=wait_ms),
        cameras=tuple(CameraConfig(id=f"cam{i}", url=url) for i in range(n)),
    )


def measure_latency(
    url: str, pushes: PushLog, detector: DetectorConfig, seconds: float
) -> dict[str, float]:
    runtime = CameraRuntime(camera_config(detector, url, 1, 1, 0))
    runtime.start()
    slot = runtime.subscribe("cam0")
    total: list[float] = []
    decode: list[float] = []
    deadline = time.monotonic() + seconds
    warmup = time.monotonic() + 5
    try:
        while time.monotonic() < deadline:
            result = slot.take(1.0)
            now = time.time()
            if result is None or time.monotonic() < warmup:
                continue
            sent = pushes.sent_at(read_stamp(result.image))
            if sent is None or result.received_at is None or not 0 <= now - sent < 5:
                continue
            total.append(now - sent)
            decode.append(result.received_at - sent)
    finally:
        runtime.stop()
    return {
        "frames": len(total),
        "p50_ms": 1000 * statistics.median(total),
        "p95_ms": 1000 * float(np.percentile(total, 95)),
        "decode_p50_ms": 1000 * statistics.median(decode),
    }


def sustained_fps(
    url: str, detector: DetectorConfig, n: int, batch: int, wait_ms: float, window_s: float
) -> list[float]:
    runtime = CameraRuntime(camera_config(detector, url, n, batch, wait_ms))
    runtime.start()
    ids = runtime.camera_ids()
    try:
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline and min(runtime.status(c).frames_analysed for c in ids) < 20
        ):
            time.sleep(0.2)
        before = {c: runtime.status(c).frames_analysed for c in ids}
        time.sleep(window_s)
        return [(runtime.status(c).frames_analysed - before[c]) / window_s for c in ids]
    finally:
        runtime.stop()


def capacity(
    url: str, model: str, imgsz: int, batch: int, wait_ms: float, limit: int, window_s: float
) -> dict[str, object]:
    detector = DetectorConfig(model=model, imgsz=imgsz)
    trials = {}
    best = 0
    for n in range(1, limit + 1):
        rates = sustained_fps(url, detector, n, batch, wait_ms, window_s)
        trials[n] = [round(r, 2) for r in rates]
        print(f"  imgsz {imgsz} batch {batch}: {n} camera(s) -> {trials[n]} fps", flush=True)
        if min(rates) < 0.9 * FPS:
            break
        best = n
    return {
        "imgsz": imgsz,
        "batch_size": batch,
        "batch_wait_ms": wait_ms,
        "cameras": best,
        "trials": trials,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="person-yolov8s")
    parser.add_argument("--imgsz", type=int, nargs="+", default=[640, 320])
    parser.add_argument("--max-cameras", type=int, default=8)
    parser.add_argument("--window", type=float, default=8.0, help="seconds measured per trial")
    parser.add_argument("--latency-only", action="store_true", help="skip the capacity trials")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "live_cameras.json"
    )
    args = parser.parse_args()
    pushes = PushLog()
    with tempfile.TemporaryDirectory() as scratch:
        clip = Path(scratch) / "cam720.mp4"
        encode_camera_clip(
            ROOT / "data" / "vtest.avi", clip, frames=100, size=(1280, 720), stamp=stamp
        )
        with RtspCamera(clip, on_push=pushes.record) as server:
            detector = DetectorConfig(model=args.model, imgsz=args.imgsz[0])
            latency = measure_latency(server.url, pushes, detector, seconds=25)
            print(f"latency: {latency}", flush=True)
            runs = [
                capacity(server.url, args.model, imgsz, batch, wait, args.max_cameras, args.window)
                for imgsz in ([] if args.latency_only else args.imgsz)
                for batch, wait in ((1, 0.0), (4, 20.0))
            ]
    result = {
        "model": args.model,
        "stream": "1280x720 H.264, 10 fps, RTSP/TCP",
        "latency": latency,
        "capacity": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("\n| imgsz | batching | cameras sustained at >= 9 of 10 fps |\n|---|---|---|")
    for run in runs:
        mode = "off (1 frame)" if run["batch_size"] == 1 else "on (4 frames, 20 ms)"
        print(f"| {run['imgsz']} | {mode} | {run['cameras']} |")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

"""Live cameras: capture-to-track latency, and how many 720p 10 fps cameras run in real time.

A real RTSP server (the test suite's GStreamer server) loops a 1280x720, 10 fps clip cut from
vtest.avi, with each frame's number burned into its top-left corner and the wall time of every
frame it sends logged. trackcast's CameraRuntime consumes it:

* latency: one camera; for each tracked frame, the time from the server sending it to the tracked
  result reaching a subscriber (p50, p95), and the decode part of it;
* capacity: N cameras on the same stream, for each imgsz and with batching on (4 frames, 20 ms)
  and off (1 frame), motion gating off (every frame detected); N grows until some camera analyses
  fewer than 9 of its 10 fps;
* gated capacity (``--gated``): N cameras, each on its own RTSP server playing the
  surveillance-like clip (``bench.surveillance_clip``: people a quarter of the time), rotated so
  that people appear on each camera at a different time, motion gating on; a camera keeps up when
  it handles at least 9 of its 10 fps (detected, or skipped by the gate with predicted tracks).

The detector (default: OpenVINO INT8 for ``auto``) is exported and calibrated on vtest.avi before
the first trial, as ``trackcast export`` does, so trials measure steady state.

    .venv/bin/python -m bench.live_cameras            # writes bench/results/live_cameras.json
    .venv/bin/python -m bench.live_cameras --gated --imgsz 640 --max-cameras 12
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.detector_speed import machine_info
from bench.surveillance_clip import build_clip
from config import (
    AppConfig,
    CameraConfig,
    DetectorConfig,
    MotionConfig,
    RuntimeConfig,
    SourcesConfig,
)
from detectors import BACKENDS, PRECISIONS, load_detector
from runtime.calibration import calibration_frames
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
    detector: DetectorConfig,
    urls: list[str],
    batch: int,
    wait_ms: float,
    gated: bool = False,
) -> AppConfig:
    motion = MotionConfig(enabled=gated)
    return AppConfig(
        detector=detector,
        runtime=RuntimeConfig(batch_size=batch, batch_wait_ms=wait_ms),
        sources=SourcesConfig(private_networks=True),  # the bench's RTSP servers are local
        cameras=tuple(
            CameraConfig(id=f"cam{i}", url=url, motion=motion) for i, url in enumerate(urls)
        ),
    )


def prebuild(detector: DetectorConfig) -> str:
    """Export and calibrate the model before any trial, on vtest.avi (as ``trackcast export``)."""
    loaded = load_detector(detector.options())
    wanted = loaded.calibration_frames_wanted
    frames = calibration_frames(str(ROOT / "data" / "vtest.avi"), max(1, wanted))
    loaded.prepare((720, 1280), frames if wanted else [])
    description = loaded.describe()
    loaded.close()
    return description


def measure_latency(
    url: str, pushes: PushLog, detector: DetectorConfig, seconds: float
) -> dict[str, float]:
    runtime = CameraRuntime(camera_config(detector, [url], 1, 0))
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
    urls: list[str],
    detector: DetectorConfig,
    batch: int,
    wait_ms: float,
    window_s: float,
    gated: bool = False,
) -> tuple[list[float], list[float]]:
    """Frames per second each camera handled (detected, or gated with predicted tracks), and the
    share of them that went to the detector."""
    runtime = CameraRuntime(camera_config(detector, urls, batch, wait_ms, gated))
    runtime.start()
    ids = runtime.camera_ids()

    def handled(camera_id: str) -> tuple[int, int]:
        status = runtime.status(camera_id)
        return status.frames_analysed + status.frames_gated, status.frames_analysed

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and min(handled(c)[0] for c in ids) < 20:
            time.sleep(0.2)
        before = {c: handled(c) for c in ids}
        time.sleep(window_s)
        after = {c: handled(c) for c in ids}
        rates = [(after[c][0] - before[c][0]) / window_s for c in ids]
        duty = [(after[c][1] - before[c][1]) / max(1, after[c][0] - before[c][0]) for c in ids]
        return rates, duty
    finally:
        runtime.stop()


def capacity(
    urls: list[str],
    detector: DetectorConfig,
    batch: int,
    wait_ms: float,
    window_s: float,
    gated: bool = False,
) -> dict[str, object]:
    """Cameras added one at a time (camera i plays ``urls[i]``) until one falls behind."""
    trials: dict[int, dict[str, list[float]]] = {}
    best = 0
    for n in range(1, len(urls) + 1):
        rates, duty = sustained_fps(urls[:n], detector, batch, wait_ms, window_s, gated)
        trials[n] = {"fps": [round(r, 2) for r in rates], "duty": [round(d, 2) for d in duty]}
        mode = "gated" if gated else f"batch {batch}"
        print(f"  imgsz {detector.imgsz} {mode}: {n} camera(s) -> {trials[n]}", flush=True)
        if min(rates) < 0.9 * FPS:
            break
        best = n
    return {
        "imgsz": detector.imgsz,
        "batch_size": batch,
        "batch_wait_ms": wait_ms,
        "gated": gated,
        "cameras": best,
        "trials": trials,
    }


PEOPLE_PERIOD_S = 40.0
"""The surveillance clip shows people for 10 s of every 40 s."""
GOLDEN = 0.6180339887
"""Camera i starts i x 0.618 periods in: the first n cameras' people spread over the period for
every n, as with independent cameras (equal shifts of period/N would pile up for small n)."""


def gated_capacity(
    args: argparse.Namespace, detector: DetectorConfig, scratch: Path
) -> dict[str, object]:
    """One RTSP server per camera, each playing the surveillance clip from another point."""
    servers = []
    cycle = 0.0
    try:
        for i in range(args.max_cameras):
            clip = scratch / f"surveillance-{i}.mp4"
            layout = build_clip(
                ROOT / "data" / "vtest.avi",
                clip,
                size=(1280, 720),
                rotate_s=(i * GOLDEN * PEOPLE_PERIOD_S) % PEOPLE_PERIOD_S,
            )
            cycle = layout["seconds"]
            server = RtspCamera(clip)
            server.start()
            servers.append(server)
        result = capacity(
            [s.url for s in servers], detector, 1, 0.0, max(args.window, cycle / 4), gated=True
        )
    finally:
        for server in servers:
            server.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="person-yolov8s")
    parser.add_argument("--imgsz", type=int, nargs="+", default=[640, 320])
    parser.add_argument("--max-cameras", type=int, default=8)
    parser.add_argument("--window", type=float, default=8.0, help="seconds measured per trial")
    parser.add_argument("--latency-only", action="store_true", help="skip the capacity trials")
    parser.add_argument("--backend", choices=BACKENDS, default="auto")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto")
    parser.add_argument(
        "--gated", action="store_true", help="motion-gated capacity on the surveillance clip"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "live_cameras.json"
    )
    args = parser.parse_args()
    pushes = PushLog()
    load = os.getloadavg()

    def detector(imgsz: int) -> DetectorConfig:
        return DetectorConfig(
            model=args.model, imgsz=imgsz, backend=args.backend, precision=args.precision
        )

    runs: list[dict[str, object]] = []
    latency: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        described = {imgsz: prebuild(detector(imgsz)) for imgsz in args.imgsz}
        print(f"detectors: {described}", flush=True)
        if args.gated:
            runs = [gated_capacity(args, detector(imgsz), Path(scratch)) for imgsz in args.imgsz]
        else:
            clip = Path(scratch) / "cam720.mp4"
            encode_camera_clip(
                ROOT / "data" / "vtest.avi", clip, frames=100, size=(1280, 720), stamp=stamp
            )
            with RtspCamera(clip, on_push=pushes.record) as server:
                latency = measure_latency(server.url, pushes, detector(args.imgsz[0]), seconds=25)
                print(f"latency: {latency}", flush=True)
                urls = [server.url] * args.max_cameras
                runs = [
                    capacity(urls, detector(imgsz), batch, wait, args.window)
                    for imgsz in ([] if args.latency_only else args.imgsz)
                    for batch, wait in ((1, 0.0), (4, 20.0))
                ]
    result = {
        "model": args.model,
        "backend": args.backend,
        "precision": args.precision,
        "detectors": described,
        "stream": "1280x720 H.264, 10 fps, RTSP/TCP",
        "load_before": load,
        "machine": machine_info(),
        "latency": latency,
        "capacity": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("\n| imgsz | batching | gating | cameras sustained at >= 9 of 10 fps |")
    print("|---|---|---|---|")
    for run in runs:
        mode = "off (1 frame)" if run["batch_size"] == 1 else "on (4 frames, 20 ms)"
        gating = "on (surveillance clip)" if run["gated"] else "off"
        print(f"| {run['imgsz']} | {mode} | {gating} | {run['cameras']} |")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

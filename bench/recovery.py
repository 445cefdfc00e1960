"""Recovery after RTSP outages: time back to streaming against a fresh connection's own time.

A real RTSP server (the test suite's GStreamer server) loops a 1 s GOP, 10 fps clip cut from
vtest.avi. One LiveCamera, with the default reconnect settings (backoff 0.5 s doubling to 10 s,
probes every 0.25 s), streams from it; the server is killed for each outage and started again on
the same port. At each return a brand-new camera connects too, so every outage compares, from the
same instant and under the same load, the recovering camera's time to ``streaming`` with a fresh
connection's time to its first frame. Issue 14's target: within 1 s of the fresh connection.

    .venv/bin/python -m bench.recovery                  # writes bench/results/recovery.json
    .venv/bin/python -m bench.recovery --outages 2 5 --probe-interval 0   # probes off, to compare
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from stream.health import CameraState
from stream.live import LiveCamera, LiveSettings
from tests.servers.rtsp import RtspCamera, encode_camera_clip

ROOT = Path(__file__).resolve().parent.parent
OUTAGES_S = (2.0, 5.0, 10.0, 30.0, 3.0, 20.0, 7.0, 15.0, 2.0, 12.0)
"""Ten outages of 2-30 s, in an order that leaves the backoff at different steps."""
TIMEOUT_S = 120.0


def _until(condition: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"not within {timeout_s} s")
        time.sleep(0.01)
    return time.monotonic() - started


def run(server: RtspCamera, outages: list[float], settings: LiveSettings) -> list[dict[str, float]]:
    camera = LiveCamera("recovering", server.url, settings)
    camera.start()
    rows: list[dict[str, float]] = []
    try:
        _until(lambda: camera.streaming)
        for number, outage_s in enumerate(outages, 1):
            server.stop()
            _until(lambda: not camera.streaming)
            time.sleep(outage_s)
            probes_before = camera.health().probes
            server.start()
            returned = time.monotonic()
            fresh = LiveCamera(f"fresh{number}", server.url, settings)
            fresh.start()
            try:
                _until(lambda c=fresh: camera.streaming and c.streaming)  # type: ignore[misc]
            finally:
                fresh.stop()
            recovered_s = _streaming_after(camera, returned)
            fresh_s = _streaming_after(fresh, returned)
            rows.append(
                {
                    "outage_s": outage_s,
                    "recovered_s": round(recovered_s, 3),
                    "fresh_s": round(fresh_s, 3),
                    "excess_s": round(recovered_s - fresh_s, 3),
                    "probes_during_restart": camera.health().probes - probes_before,
                }
            )
            print(
                f"outage {number:2}: {outage_s:4.0f} s down -> streaming after "
                f"{recovered_s:.2f} s (fresh connection {fresh_s:.2f} s, "
                f"excess {recovered_s - fresh_s:+.2f} s)",
                flush=True,
            )
    finally:
        camera.stop()
    return rows


def _streaming_after(camera: LiveCamera, since: float) -> float:
    """Seconds from ``since`` (monotonic) to the camera's first ``streaming`` after it."""
    for transition in list(camera.history):
        if transition.state is CameraState.STREAMING and transition.at >= since:
            return transition.at - since
    raise RuntimeError(f"{camera.camera_id} did not stream after the server returned")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outages", type=float, nargs="+", default=list(OUTAGES_S))
    parser.add_argument("--probe-interval", type=float, default=LiveSettings().probe_interval_s)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "recovery.json")
    args = parser.parse_args()
    settings = LiveSettings(probe_interval_s=args.probe_interval)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        clip = Path(scratch) / "vtest-gop10.mp4"
        encode_camera_clip(ROOT / "data" / "vtest.avi", clip, frames=100)
        with RtspCamera(clip) as server:
            rows = run(server, args.outages, settings)
    worst = max(row["excess_s"] for row in rows)
    result = {
        "stream": "vtest.avi 768x576 H.264, 10 fps, 1 s GOP, RTSP/TCP",
        "probe_interval_s": args.probe_interval,
        "backoff": {"initial_s": settings.backoff_initial_s, "max_s": settings.backoff_max_s},
        "load_before": load,
        "cpus": os.cpu_count(),
        "outages": rows,
        "worst_excess_s": worst,
        "within_1_s_of_fresh": all(row["excess_s"] <= 1.0 for row in rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nworst excess over a fresh connection: {worst:+.2f} s; wrote {args.out}")


if __name__ == "__main__":
    main()

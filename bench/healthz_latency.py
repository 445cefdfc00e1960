"""/healthz latency while a camera with a new model is added and 10 viewers stream.

Starts ``trackcast serve`` (a real subprocess) with one camera playing data/vtest.avi in a loop,
detected by the offline ``coco-yolov3-tiny`` at imgsz 416; opens 10 tracks WebSockets on it; asks
/healthz every 10 ms; then POSTs a second camera whose detector (imgsz 320) is a new config, so its
model loads while the viewers stream. Prints and writes p50, p99 and max latency for the whole
run and for the time the POST was in progress (issue 14: under 100 ms).

    .venv/bin/python -m bench.healthz_latency      # writes bench/results/healthz_latency.json
"""

from __future__ import annotations

import contextlib
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.servers.trackcast_server import TrackcastServer

ROOT = Path(__file__).resolve().parent.parent
VTEST = ROOT / "data" / "vtest.avi"
ADMIN = "bench-admin-token"
VIEWERS = 10
POLL_S = 0.01
SETTLE_S = 3.0


def _config(tmp: Path) -> Path:
    config = tmp / "serve.yaml"
    config.write_text(
        f"data_dir: {tmp / 'data'}\n"
        "detector: {model: coco-yolov3-tiny, imgsz: 416}\n"
        f"sources: {{media_roots: [{VTEST.parent}]}}\n"
        f"cameras: [{{id: demo, url: {VTEST}, loop: true}}]\n"
    )
    return config


def _view(server: TrackcastServer, stop: threading.Event, frames: list[int]) -> None:
    url = f"{server.ws_url}/api/cameras/demo/tracks/ws?access_token={ADMIN}"
    with contextlib.suppress(ConnectionClosed), connect(url, open_timeout=30) as socket:
        while not stop.is_set():  # the server closing at the end is no error
            socket.recv(timeout=30)
            frames.append(1)


def _summary(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return {"count": len(ms), "p50_ms": statistics.median(ms), "p99_ms": p99, "max_ms": ms[-1]}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = TrackcastServer(_config(Path(tmp)), admin_token=ADMIN)
        stop = threading.Event()
        frames: list[int] = []
        samples: list[tuple[float, float]] = []  # (start, latency)
        try:
            server.start()
            viewers = [
                threading.Thread(target=_view, args=(server, stop, frames), daemon=True)
                for _ in range(VIEWERS)
            ]
            for viewer in viewers:
                viewer.start()
            with httpx.Client(base_url=server.url, timeout=30) as client:
                deadline = time.monotonic() + SETTLE_S
                while time.monotonic() < deadline:
                    client.get("/healthz")
                    time.sleep(POLL_S)
                created: list[int] = []
                body = {"id": "yard", "url": str(VTEST), "loop": True}
                body["detector"] = {"model": "coco-yolov3-tiny", "imgsz": 320}
                adding = threading.Thread(
                    target=lambda: created.append(
                        server.request("POST", "/api/cameras", json=body).status_code
                    )
                )
                add_started = time.monotonic()
                adding.start()
                add_ended = None
                while add_ended is None or time.monotonic() < add_ended + SETTLE_S:
                    started = time.monotonic()
                    assert client.get("/healthz").status_code == 200
                    samples.append((started, time.monotonic() - started))
                    if add_ended is None and not adding.is_alive():
                        add_ended = time.monotonic()
                    time.sleep(POLL_S)
            stop.set()
            during = [lat for at, lat in samples if add_started <= at <= add_ended]
            result = {
                "viewers": VIEWERS,
                "viewer_messages": len(frames),
                "post_status": created,
                "add_s": add_ended - add_started,
                "during_add": _summary(during or [lat for _, lat in samples]),
                "whole_run": _summary([lat for _, lat in samples]),
            }
        finally:
            stop.set()
            server.close()
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "healthz_latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

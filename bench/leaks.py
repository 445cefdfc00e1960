"""Leak check: resident memory and threads before and after clients and cameras come and go.

Two scenarios against one service (real uvicorn on 127.0.0.1, SQLite in a temp dir, the test
suite's bright-blob detector):

* feed clients: 1,000 event-feed clients (half WebSocket, half SSE; half of each leave with a
  TCP reset instead of a close) with a filter that never matches, in batches of 100;
* detector workers: 20 cameras (a looping generated clip) created and deleted through the API
  with 5 detector configs (imgsz 64 to 192), the detector holding 50 MB as a model's weights do,
  so every worker never released would add about 50 MB.

Each scenario starts after one warm-up round (allocator pools and thread pools filled) and reports
resident memory (``process_resident_memory_bytes``), OS threads, service threads, feed clients and
detector workers from ``/metrics`` at its start and end. Targets (issue 14): feed clients back to
0 and RSS within 20 MB; workers and service threads back to the start and RSS within 150 MB.

    .venv/bin/python -m bench.leaks            # about 30 s on 2 cores

Results go to bench/results/leaks.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from api.app import create_app
from bench.detector_speed import machine_info
from config import AppConfig
from service import build_service
from tests.blob_detector import HeavyBlobDetector
from tests.media import write_moving_square_clip
from tests.servers.api_server import ApiServer
from tests.servers.raw_clients import close_websocket, drop, gauge, open_feed
from tests.sources import local_sources

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
NEVER = "type=never.happens"
IMGSZ = (64, 96, 128, 160, 192)
GAUGES = {
    "rss_mb": ("process_resident_memory_bytes", None),
    "os_threads": ("process_threads", None),
    "service_threads": ("trackcast_service_threads", None),
    "feed_clients": ("trackcast_feed_clients", {"feed": "events"}),
    "detector_workers": ("trackcast_detector_workers", None),
}


def snapshot(api: ApiServer) -> dict[str, float]:
    gc.collect()
    values = {key: gauge(api.url, name, labels) for key, (name, labels) in GAUGES.items()}
    values["rss_mb"] = round(values["rss_mb"] / MB, 1)
    return values


def wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


def feed_clients(api: ApiServer, count: int, batch: int = 100) -> None:
    for _ in range(0, count, batch):
        clients = []
        for index in range(batch):
            websocket = index % 4 < 2
            path = f"/api/events/ws?{NEVER}" if websocket else f"/api/events/stream?{NEVER}"
            clients.append((open_feed(api.port, path, websocket=websocket), websocket, index))
        wait_for(lambda: gauge(api.url, "trackcast_feed_clients", {"feed": "events"}) == batch)
        for sock, websocket, index in clients:
            if index % 2:
                drop(sock)
            elif websocket:
                close_websocket(sock)
            else:
                sock.close()
    wait_for(lambda: gauge(api.url, "trackcast_feed_clients", {"feed": "events"}) == 0)


def cameras(api: ApiServer, clip: Path, count: int) -> None:
    threads = gauge(api.url, "trackcast_service_threads")
    for start in range(0, count, len(IMGSZ)):
        ids = [f"cam-{start + i}" for i in range(len(IMGSZ))]
        for camera_id, imgsz in zip(ids, IMGSZ, strict=True):
            body = {"id": camera_id, "url": str(clip), "loop": True, "detector": {"imgsz": imgsz}}
            httpx.post(f"{api.url}/api/cameras", json=body, timeout=60).raise_for_status()
        time.sleep(1)  # every camera decodes and detects a few frames
        for camera_id in ids:
            httpx.delete(f"{api.url}/api/cameras/{camera_id}", timeout=60).raise_for_status()
    wait_for(lambda: gauge(api.url, "trackcast_service_threads") == threads)


def scenario(
    api: ApiServer, run: Callable[[], None], warmup: Callable[[], None]
) -> dict[str, object]:
    warmup()
    start = snapshot(api)
    started = time.perf_counter()
    run()
    seconds = round(time.perf_counter() - started, 1)
    end = snapshot(api)
    return {
        "start": start,
        "end": end,
        "rss_growth_mb": round(end["rss_mb"] - start["rss_mb"], 1),
        "rss_ratio": round(end["rss_mb"] / start["rss_mb"], 3),
        "os_threads_diff": end["os_threads"] - start["os_threads"],
        "service_threads_diff": end["service_threads"] - start["service_threads"],
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--cameras", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "leaks.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "square.mp4"
        write_moving_square_clip(clip, frames=20)
        config = AppConfig.model_validate(
            {
                "data_dir": str(Path(tmp) / "data"),
                "auth": {"open": True},
                "sources": local_sources(tmp).model_dump(),
            }
        )
        service = build_service(config, detector_factory=lambda _: HeavyBlobDetector(50))
        with ApiServer(create_app(service)) as api:
            results = {
                "feed_clients": scenario(
                    api, lambda: feed_clients(api, args.clients), lambda: feed_clients(api, 100)
                ),
                "detector_workers": scenario(
                    api,
                    lambda: cameras(api, clip, args.cameras),
                    lambda: cameras(api, clip, len(IMGSZ)),
                ),
            }
    report = {"args": {k: str(v) for k, v in vars(args).items()}, "machine": machine_info()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report | {"results": results}, indent=2) + "\n")
    print(
        "| scenario | RSS start MB | RSS end MB | growth MB | ratio | OS threads | service "
        "threads | feed clients | workers | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, row in results.items():
        s, e = row["start"], row["end"]
        assert isinstance(s, dict) and isinstance(e, dict)
        print(
            f"| {name} | {s['rss_mb']} | {e['rss_mb']} | {row['rss_growth_mb']} | "
            f"{row['rss_ratio']} | {s['os_threads']:.0f} → {e['os_threads']:.0f} | "
            f"{s['service_threads']:.0f} → {e['service_threads']:.0f} | "
            f"{e['feed_clients']:.0f} | {s['detector_workers']:.0f} → "
            f"{e['detector_workers']:.0f} | {row['seconds']} |"
        )


if __name__ == "__main__":
    main()

"""Soak and fault benchmark: the demo plus four RTSP cameras for an hour, with faults throughout.

``trackcast serve`` runs as a real subprocess (the demo's camera and model: ``data/vtest.avi``
looped, ``person-yolov8s`` at 640, its line and zone) plus four cameras reading the test suite's
GStreamer RTSP server (a 384x288 cut of vtest, 10 fps, each with a line and a zone), a webhook
receiver on 127.0.0.1 that deduplicates by ``Idempotency-Key``, and, all the while:

* outages: every ``--outage-every`` seconds one RTSP server (in turn) is killed for 5-30 s and
  started again on its port; the time from its return to the camera's ``streaming`` is recorded;
* clients: every few seconds WebSocket and SSE event-feed clients, MJPEG viewers and tracks
  WebSocket clients connect, read a little and leave (a third of them with a TCP reset);
* cameras: every ``--camera-every`` seconds a camera is added through the API on one of the RTSP
  servers and deleted again a minute later;
* a restart: at half time the webhook receiver answers 503 for 20 s (so deliveries are pending;
  the webhook retries 20 times, up to 10 s apart, so none runs out of attempts in that time),
  the service gets SIGTERM, and a new process starts on the same data directory.

Every ``--sample-every`` seconds it reads ``/metrics``: resident memory, threads, feed clients,
detector workers, events emitted, stored and delivered. At the end it reports, for each process,
RSS and thread slope (least squares after a warm-up) and growth from the end of the warm-up to
the end, events emitted (from each process's final log line) against events stored (the
database) and delivered (distinct event ids the receiver accepted), dead letters, and recovery
times. Issue 14's targets: RSS growth under 5 % over the hour, 0 events lost.

    .venv/bin/python -m bench.soak                    # one hour; bench/results/soak.json
    .venv/bin/python -m bench.soak --minutes 8        # a short run to try it out

Check ``uptime`` first: the soak is itself the load (five cameras on one detector saturate two
cores), but another busy process changes its frame rates and recovery times.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bench.detector_speed import machine_info
from tests.delivery.receiver import Reply, WebhookReceiver
from tests.servers.raw_clients import close_websocket, drop, open_feed
from tests.servers.rtsp import RtspCamera, encode_camera_clip
from tests.servers.trackcast_server import TrackcastServer

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scripts" / "demo.yaml"
MB = 1024 * 1024
OUTAGES_S = (5.0, 20.0, 10.0, 30.0, 15.0, 8.0, 25.0)
RSTP_CAMERAS = ("door", "yard", "gate", "dock")
WARMUP_FRACTION = 0.25
"""Of each process's run, the part left out of the RSS and thread slope (models, pools, caches)."""
STOP_LINE = re.compile(
    r"service stopped.*: events emitted (\d+), stored (\d+), dropped (\d+), rejected (\d+), "
    r"lost (\d+)"
)


@dataclass
class Sample:
    at_s: float
    process: int
    rss_mb: float
    os_threads: float
    service_threads: float
    feed_clients: float
    detector_workers: float
    emitted: float
    stored: float
    delivered: float
    delivery_queue: float
    cameras_streaming: float
    received: int


@dataclass
class Outage:
    camera: str
    down_s: float
    back_after_s: float | None
    """Seconds from the server's return to the camera's ``streaming``; None: not within 120 s."""


@dataclass
class Tally:
    outages: list[Outage] = field(default_factory=list)
    clients: int = 0
    client_errors: list[str] = field(default_factory=list)
    cameras_added: int = 0
    camera_errors: list[str] = field(default_factory=list)


class Serving:
    """The running service, or None while it restarts; workers wait for it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._server: TrackcastServer | None = None
        self.done = threading.Event()

    def set(self, server: TrackcastServer | None) -> None:
        with self._cond:
            self._server = server
            self._cond.notify_all()

    def get(self) -> TrackcastServer | None:
        """The server, waiting while it restarts; None once the run is over."""
        with self._cond:
            while self._server is None and not self.done.is_set():
                self._cond.wait(0.5)
            return self._server


def metrics(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"{url}/metrics", timeout=30).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _sum(values: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str) -> float:
    return sum(value for (key, _), value in values.items() if key == name)


def sample(url: str, started: float, process: int, received: int) -> Sample:
    values = metrics(url)
    return Sample(
        at_s=round(time.monotonic() - started, 1),
        process=process,
        rss_mb=round(_sum(values, "process_resident_memory_bytes") / MB, 1),
        os_threads=_sum(values, "process_threads"),
        service_threads=_sum(values, "trackcast_service_threads"),
        feed_clients=_sum(values, "trackcast_feed_clients"),
        detector_workers=_sum(values, "trackcast_detector_workers"),
        emitted=_sum(values, "trackcast_events_emitted_total"),
        stored=_sum(values, "trackcast_events_stored_total"),
        delivered=_sum(values, "trackcast_events_delivered_total"),
        delivery_queue=_sum(values, "trackcast_delivery_queue_depth"),
        cameras_streaming=_sum(values, "trackcast_camera_up"),
        received=received,
    )


def camera_state(server: TrackcastServer, camera_id: str) -> str:
    response = server.request("GET", f"/api/cameras/{camera_id}")
    response.raise_for_status()
    return str(response.json()["state"])


def wait_streaming(serving: Serving, camera_id: str, timeout_s: float = 120) -> float | None:
    """Seconds until ``camera_id`` streams, polled every 50 ms; None if not within the time."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s and not serving.done.is_set():
        server = serving.get()
        try:
            if server is not None and camera_state(server, camera_id) == "streaming":
                return time.monotonic() - started
        except httpx.HTTPError:
            pass  # restarting
        time.sleep(0.05)
    return None


def outages(serving: Serving, servers: dict[str, RtspCamera], every_s: float, tally: Tally) -> None:
    names = itertools.cycle(servers)
    lengths = itertools.cycle(OUTAGES_S)
    while not serving.done.wait(every_s):
        name, down_s = next(names), next(lengths)
        server = servers[name]
        server.stop()
        if serving.done.wait(down_s):
            server.start()
            return
        server.start()
        back = wait_streaming(serving, name)
        tally.outages.append(Outage(name, down_s, None if back is None else round(back, 3)))
        print(f"outage of {name}: {down_s:.0f} s down, streaming {back} s after", flush=True)


def one_client(server: TrackcastServer, kind: int, rng: random.Random) -> None:
    camera = rng.choice(("walkway", *RSTP_CAMERAS))
    if kind == 0:  # MJPEG viewer reads a few frames
        with httpx.stream("GET", f"{server.url}/api/cameras/{camera}/mjpeg", timeout=30) as reply:
            reply.raise_for_status()
            read = 0
            for chunk in reply.iter_bytes():
                read += len(chunk)
                if read > 200_000:
                    break
        return
    paths = {
        1: ("/api/events/ws", True),
        2: ("/api/events/stream", False),
        3: (f"/api/cameras/{camera}/tracks/ws", True),
    }
    path, websocket = paths[kind]
    sock = open_feed(server.port, path, websocket=websocket)
    time.sleep(rng.uniform(0.5, 5))
    if rng.random() < 1 / 3:
        drop(sock)
    elif websocket:
        close_websocket(sock)
    else:
        sock.close()


def clients(serving: Serving, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    while not serving.done.wait(rng.uniform(1, 4)):
        server = serving.get()
        if server is None:
            return
        kind = rng.randrange(4)
        try:
            one_client(server, kind, rng)
            tally.clients += 1
        except (OSError, httpx.HTTPError) as error:
            if server is serving.get():  # not the restart's doing
                tally.client_errors.append(f"client {kind}: {error!r}")


def visitors(
    serving: Serving, servers: dict[str, RtspCamera], every_s: float, tally: Tally
) -> None:
    """A camera added on one of the RTSP servers, deleted a minute later, again and again."""
    names = itertools.cycle(servers)
    for number in itertools.count(1):
        if serving.done.wait(every_s):
            return
        server = serving.get()
        if server is None:
            return
        camera_id = f"visitor{number}"
        try:
            created = server.request(
                "POST", "/api/cameras", json={"id": camera_id, "url": servers[next(names)].url}
            )
            created.raise_for_status()
            tally.cameras_added += 1
            serving.done.wait(min(60.0, every_s / 2))
            server = serving.get()
            if server is not None:
                server.request("DELETE", f"/api/cameras/{camera_id}").raise_for_status()
        except httpx.HTTPError as error:
            tally.camera_errors.append(f"{camera_id}: {error!r}")


def config(data_dir: Path, servers: dict[str, RtspCamera], hook: str) -> dict[str, Any]:
    demo = yaml.safe_load(DEMO.read_text())
    demo["data_dir"] = str(data_dir)
    demo["sources"] = {"media_roots": [str(ROOT / "data")], "private_networks": True}
    demo["webhooks"] = [{"url": hook, "max_attempts": 20, "backoff_max_s": 10}]
    walkway = demo["cameras"][0]
    walkway["url"] = str(ROOT / "data" / "vtest.avi")
    for name, server in servers.items():
        demo["cameras"].append(
            {
                "id": name,
                "url": server.url,
                "lines": walkway["lines"],
                "zones": [{**walkway["zones"][0], "loiter_after_s": 10}],
            }
        )
    return dict(demo)


def stop_counts(output: str) -> dict[str, int]:
    """The final ``service stopped`` line's counts (SIGTERM, then a clean shutdown)."""
    matches = STOP_LINE.findall(output)
    if not matches:
        tail = "\n".join(output.splitlines()[-20:])
        raise RuntimeError(f"no 'service stopped' line in the service's log:\n{tail}")
    emitted, stored, dropped, rejected, lost = map(int, matches[-1])
    return {
        "emitted": emitted, "stored": stored, "dropped": dropped, "rejected": rejected, "lost": lost
    }  # fmt: skip


def slope(samples: list[Sample], key: str) -> dict[str, float]:
    """Least-squares slope per hour and growth from the end of the warm-up, for one process."""
    if len(samples) < 3:
        return {}
    warm = samples[int(len(samples) * WARMUP_FRACTION) :]
    xs = [s.at_s / 3600 for s in warm]
    ys = [float(getattr(s, key)) for s in warm]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs) or 1.0
    per_hour = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return {
        "after_warmup": ys[0],
        "end": ys[-1],
        "max": max(ys),
        "growth_pct": round(100 * (ys[-1] - ys[0]) / ys[0], 2) if ys[0] else 0.0,
        "slope_per_hour": round(per_hour, 2),
    }


@contextmanager
def rtsp_servers(scratch: Path) -> Iterator[dict[str, RtspCamera]]:
    clip = scratch / "vtest-384.mp4"
    encode_camera_clip(ROOT / "data" / "vtest.avi", clip, frames=300, size=(384, 288))
    with ExitStack() as stack:
        yield {name: stack.enter_context(RtspCamera(clip)) for name in RSTP_CAMERAS}


def stored_ids(data_dir: Path) -> list[str]:
    with closing(sqlite3.connect(data_dir / "trackcast.db")) as db:
        return [row[0] for row in db.execute("SELECT id FROM events ORDER BY seq")]


def dead_letters(data_dir: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(data_dir / "trackcast.db")) as db:
        return [
            (row[0], row[1]) for row in db.execute("SELECT event_id, last_error FROM dead_letters")
        ]


def export_model() -> None:
    """The demo's OpenVINO INT8 model, built once (cached), so that no run times an export."""
    trackcast = str(Path(sys.executable).with_name("trackcast"))
    subprocess.run(
        [trackcast, "export", "--model", "person-yolov8s", "--imgsz", "640",
         "--calibrate", str(ROOT / "data" / "vtest.avi")],
        cwd=ROOT, check=True,
    )  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, Any]:
    duration_s = args.minutes * 60
    restart_at = duration_s * args.restart_at
    tally = Tally()
    samples: list[Sample] = []
    stops: list[dict[str, int]] = []
    receiver_down = threading.Event()

    def policy(key: str, seen: int) -> Reply:
        return Reply(503) if receiver_down.is_set() else Reply()

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        scratch = Path(tmp)
        data_dir = scratch / "data"
        receiver = stack.enter_context(WebhookReceiver(policy))
        servers = stack.enter_context(rtsp_servers(scratch))
        config_path = scratch / "soak.yaml"
        config_path.write_text(yaml.safe_dump(config(data_dir, servers, receiver.url())))
        serving = Serving()

        def received() -> int:
            return len({request.key for request in receiver.accepted()})

        def start(process: int) -> TrackcastServer:
            server = TrackcastServer(config_path, args=["--open"])
            server.start(ready_timeout_s=600)
            stack.callback(server.close)
            serving.set(server)
            print(f"process {process} serving on {server.url}", flush=True)
            return server

        started = time.monotonic()
        server = start(1)
        workers = [
            threading.Thread(target=outages, args=(serving, servers, args.outage_every, tally)),
            threading.Thread(target=clients, args=(serving, tally, 1)),
            threading.Thread(target=clients, args=(serving, tally, 2)),
            threading.Thread(target=visitors, args=(serving, servers, args.camera_every, tally)),
        ]
        for worker in workers:
            worker.start()
        process = 1
        try:
            while (now := time.monotonic() - started) < duration_s:
                if process == 1 and now >= restart_at:
                    receiver_down.set()  # deliveries pile up for a while before the SIGTERM
                    time.sleep(20)
                    serving.set(None)
                    pending = sample(server.url, started, process, received())
                    samples.append(pending)
                    print(f"SIGTERM with {pending.delivery_queue:.0f} deliveries pending")
                    server.terminate(timeout_s=120)
                    stops.append(stop_counts(server.output()))
                    receiver_down.clear()
                    process = 2
                    server = start(process)
                    continue
                samples.append(sample(server.url, started, process, received()))
                last = samples[-1]
                print(
                    f"{last.at_s:7.0f} s  rss {last.rss_mb:6.1f} MB  threads {last.os_threads:3.0f}"
                    f"  emitted {last.emitted:5.0f} stored {last.stored:5.0f} delivered "
                    f"{last.delivered:5.0f}  received {last.received:5d}  streaming "
                    f"{last.cameras_streaming:.0f}",
                    flush=True,
                )
                time.sleep(args.sample_every)
        finally:
            serving.done.set()
            for worker in workers:
                worker.join(180)
        # let the last events reach the receiver before the final stop
        serving.set(server)
        settle = time.monotonic()
        while time.monotonic() - settle < 60:
            last = sample(server.url, started, process, received())
            if last.delivery_queue == 0 and last.stored == last.delivered:
                break
            time.sleep(1)
        server.terminate(timeout_s=120)
        stops.append(stop_counts(server.output()))
        ids = stored_ids(data_dir)
        letters = dead_letters(data_dir)
        keys = [request.key for request in receiver.accepted()]

    delivered = set(keys)
    emitted = sum(stop["emitted"] for stop in stops)
    per_process = {
        f"process{n}": {
            key: slope([s for s in samples if s.process == n], key)
            for key in ("rss_mb", "os_threads", "service_threads")
        }
        for n in (1, 2)
    }
    backs = [outage.back_after_s for outage in tally.outages if outage.back_after_s is not None]
    return {
        "minutes": args.minutes,
        "machine": machine_info(),
        "load_before": args.load_before,
        "stops": stops,
        "events": {
            "emitted": emitted,
            "stored": len(ids),
            "lost": emitted - len(ids),
            "delivered_distinct": len(delivered & set(ids)),
            "stored_not_delivered": len(set(ids) - delivered),
            "delivered_twice": len(keys) - len(delivered),
            "dead_letters": len(letters),
            "dead_letter_reasons": sorted({reason for _, reason in letters}),
        },
        "memory_and_threads": per_process,
        "outages": {
            "count": len(tally.outages),
            "not_back_in_120_s": sum(o.back_after_s is None for o in tally.outages),
            "back_after_s_median": sorted(backs)[len(backs) // 2] if backs else None,
            "back_after_s_max": max(backs) if backs else None,
            "each": [asdict(outage) for outage in tally.outages],
        },
        "clients": {"served": tally.clients, "errors": tally.client_errors[:20]},
        "cameras": {"added_and_removed": tally.cameras_added, "errors": tally.camera_errors},
        "samples": [asdict(s) for s in samples],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--restart-at", type=float, default=0.5, help="fraction of the run")
    parser.add_argument("--outage-every", type=float, default=180)
    parser.add_argument("--camera-every", type=float, default=240)
    parser.add_argument("--sample-every", type=float, default=15)
    parser.add_argument("--no-export", action="store_true", help="the model is already exported")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "soak.json")
    args = parser.parse_args()
    args.load_before = os.getloadavg()
    if not args.no_export:
        export_model()
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    summary = {key: value for key, value in result.items() if key not in ("samples", "machine")}
    summary["outages"] = {k: v for k, v in result["outages"].items() if k != "each"}
    print(json.dumps(summary, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

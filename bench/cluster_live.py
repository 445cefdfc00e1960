"""What live viewing costs in cluster mode: per watched camera, the bytes an API process pulls
from the node that runs it and the latency the trip adds.

Starts a local Ray cluster (a head and one worker node, on this host), a throwaway PostgreSQL
and an in-process API replica (``service.cluster.build_cluster_service``, blob detector); adds
two looping file cameras (vtest.avi, 768x576, and a 320x240 generated clip); then for each:
one live subscriber for ``WATCH_S`` (what MJPEG, WHEP and the track feeds share: one pull per
camera per API process, however many viewers), and ``SNAPSHOTS`` one-off reads of the newest
frame (a snapshot). Prints the table and writes it to bench/results/cluster_live.json.

    PYTHONPATH=$PWD .venv/bin/python -m bench.cluster_live
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import ray

from config import AppConfig
from outputs import FrameResult
from service.cluster import build_cluster_service
from tests.blob_detector import bright_blobs
from tests.media import write_moving_square_clip
from tests.servers.ray_cluster import local_ray_cluster
from tests.sources import local_sources
from tests.storage.conftest import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
VTEST = ROOT / "data" / "vtest.avi"
WATCH_S = 10.0
SNAPSHOTS = 20
RESULTS = ROOT / "bench" / "results" / "cluster_live.json"


def _watch(service_runtime: object, camera_id: str) -> dict[str, float | str]:
    from cluster.replica import ClusterRuntime

    assert isinstance(service_runtime, ClusterRuntime)
    slot = service_runtime.subscribe(camera_id)
    taken: list[FrameResult] = []
    try:
        deadline = time.monotonic() + WATCH_S
        while time.monotonic() < deadline:
            result = slot.take(1.0)
            if result is not None:
                taken.append(result)
        stats = service_runtime.pull_stats()[camera_id]
        frames, pulled, latency, added = stats.frames, stats.bytes, stats.latency_s, stats.added_s
    finally:
        service_runtime.unsubscribe(camera_id, slot)
    snapshot_s, snapshot_bytes = [], []
    for _ in range(SNAPSHOTS):
        started = time.perf_counter()
        latest = service_runtime.latest(camera_id)
        snapshot_s.append(time.perf_counter() - started)
        assert latest is not None
        snapshot_bytes.append(latest.image.nbytes)
    height, width = taken[-1].image.shape[:2]
    return {
        "size": f"{width}x{height}",
        "frames_per_s": round(frames / WATCH_S, 1),
        "kbytes_per_s": round(pulled / WATCH_S / 1000, 1),
        "kbytes_per_frame": round(pulled / max(frames, 1) / 1000, 1),
        "decode_to_api_ms": round(latency / max(frames, 1) * 1000, 1),
        "added_ms": round(added / max(frames, 1) * 1000, 1),
        "snapshot_ms_p50": round(statistics.median(snapshot_s) * 1000, 1),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        square = tmp / "square.mp4"
        write_moving_square_clip(square, frames=30)
        postgres = PostgresServer()
        postgres.start()
        try:
            with local_ray_cluster(workers=1, cameras_per_worker=4) as cluster:
                config = AppConfig.model_validate(
                    {
                        "data_dir": str(tmp / "data"),
                        "auth": {"open": True},
                        "storage": {"url": postgres.url(postgres.create_database())},
                        "cluster": {"address": cluster.address},
                        "sources": local_sources(tmp, VTEST.parent).model_dump(),
                    }
                )
                service = build_cluster_service(config, detector_factory=bright_blobs)
                service.start()
                try:
                    rows = {}
                    for camera_id, url in (("vtest", VTEST), ("square", square)):
                        camera = {"id": camera_id, "url": str(url), "loop": True, "realtime": True}
                        service.cameras.create(
                            AppConfig.model_validate({"cameras": [camera]}).cameras[0]
                        )
                        while (status := service.cameras.status(camera_id)) is None or (
                            status.health.state.value != "streaming"
                        ):
                            time.sleep(0.2)
                        rows[camera_id] = _watch(service.runtime, camera_id)
                finally:
                    service.stop()
                    ray.shutdown()  # the cluster cannot stop under its own driver
        finally:
            postgres.stop()
    print(json.dumps(rows, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Files per minute of ``trackcast track FOLDER``: one process vs ``--cluster`` on a local Ray
cluster (a head and two workers, one CPU each, all on this machine), and whether the cluster's
MOT files equal a single process's with the same inference threads.

The folder holds ``--files`` links to ``data/vtest.avi``; each is tracked for ``--frames``
frames with ``coco-yolov3-tiny``. Three runs of the real command: one process with default
threads (every core), one process with ``--threads 1``, and the cluster (one CPU and one
inference thread per task). The load average is recorded with the numbers.

    .venv/bin/python -m bench.batch_cluster      # prints JSON
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.servers.ray_cluster import local_ray_cluster

ROOT = Path(__file__).resolve().parent.parent
TRACKCAST = str(Path(sys.executable).with_name("trackcast"))


def timed_run(folder: Path, out: Path, frames: int, extra: list[str]) -> float:
    """Seconds of one ``trackcast track FOLDER --out OUT`` run (it must succeed)."""
    command = [
        TRACKCAST, "track", str(folder), "--out", str(out), "--outputs", "mot",
        "--model", "coco-yolov3-tiny", "--max-frames", str(frames), "--no-progress", *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "vtest.avi")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "in"
        folder.mkdir()
        for i in range(args.files):
            (folder / f"v{i:02d}.avi").symlink_to(args.source.resolve())
        load_before = os.getloadavg()
        seconds = {
            "single process": timed_run(folder, Path(scratch) / "one", args.frames, []),
            "single process, --threads 1": timed_run(
                folder, Path(scratch) / "one-thread", args.frames, ["--threads", "1"]
            ),
        }
        with local_ray_cluster(workers=2) as cluster:
            seconds["cluster, head + 2 workers"] = timed_run(
                folder, Path(scratch) / "cluster", args.frames, ["--cluster", cluster.address]
            )
        same = sum(
            (Path(scratch) / "cluster" / f"v{i:02d}.mot.txt").read_bytes()
            == (Path(scratch) / "one-thread" / f"v{i:02d}.mot.txt").read_bytes()
            for i in range(args.files)
        )
        result = {
            "files": args.files,
            "frames_per_file": args.frames,
            "seconds": {k: round(v, 1) for k, v in seconds.items()},
            "files_per_min": {k: round(60 * args.files / v, 1) for k, v in seconds.items()},
            "cluster_mot_equal_to_threads_1": f"{same}/{args.files}",
            "cores": len(os.sched_getaffinity(0)),
            "load_before": [round(v, 2) for v in load_before],
            "load_after": [round(v, 2) for v in os.getloadavg()],
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""What a fresh install of trackcast weighs on disk, per torch build (issue 16: CPU under 2 GB).

For each build, a new virtual environment gets ``pip install -c constraints/<build>.txt .``
(trackcast without its dev tools, as a user or the Docker image installs it), then: the install
time, ``pip check``, the environment's size (``du``-style: every file's blocks, with and without
the bytecode pip compiles), and, as proof that it runs, ``trackcast --version`` and a short
``trackcast track`` of data/vtest.avi with the offline person model (its OpenVINO export comes
from the cache in ~/.cache/trackcast, so make one first: ``trackcast export --model
person-yolov8s --imgsz 640 --calibrate data/vtest.avi``). The CUDA build is the baseline of the
same run. Each environment is deleted afterwards unless ``--keep``.

    .venv/bin/python -m bench.install_size            # writes bench/results/install_size.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILDS = ("cpu", "cuda")
TRACK_FRAMES = 30


def tree_bytes(folder: Path, *, bytecode: bool) -> int:
    """Disk use of ``folder`` in bytes (allocated blocks, links not followed), optionally leaving
    out ``__pycache__`` folders."""
    total = 0
    for path, dirs, files in os.walk(folder):
        if not bytecode and "__pycache__" in dirs:
            dirs.remove("__pycache__")
        for name in files:
            stat = (Path(path) / name).lstat()
            total += stat.st_blocks * 512
    return total


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)


def measure(build: str, into: Path) -> dict[str, Any]:
    venv = into / f"venv-{build}"
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    started = time.perf_counter()
    install = run(
        [str(python), "-m", "pip", "install", "-q", "-c", f"constraints/{build}.txt", "."],
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    if install.returncode != 0:
        raise SystemExit(f"{build}: pip install failed:\n{install.stderr[-2000:]}")
    check = run([str(python), "-m", "pip", "check"])
    version = run([str(venv / "bin" / "trackcast"), "--version"])
    out = into / f"{build}.jsonl"
    track = run(
        [str(venv / "bin" / "trackcast"), "track", "data/vtest.avi", "--model", "person-yolov8s",
         "--max-frames", str(TRACK_FRAMES), "--jsonl", str(out), "--no-progress"],
        cwd=ROOT,
    )  # fmt: skip
    tracked = out.read_text().count("\n") if out.exists() else 0
    return {
        "install_s": round(seconds, 1),
        "size_bytes": tree_bytes(venv, bytecode=True),
        "size_without_bytecode_bytes": tree_bytes(venv, bytecode=False),
        "pip_check": (check.stdout + check.stderr).strip(),
        "pip_check_ok": check.returncode == 0,
        "version": version.stdout.strip(),
        "track_ok": track.returncode == 0 and tracked == TRACK_FRAMES,
        "track_summary": (track.stdout + track.stderr).strip().splitlines()[-2:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", nargs="+", choices=BUILDS, default=list(BUILDS))
    parser.add_argument("--keep", type=Path, help="build the environments here and keep them")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "install_size.json"
    )
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="trackcast-install-"))
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"load_before": os.getloadavg()[0], "builds": {}}
    try:
        for build in args.builds:
            results["builds"][build] = measure(build, folder)
            print(build, json.dumps(results["builds"][build], indent=1), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    builds = results["builds"]
    if {"cpu", "cuda"} <= builds.keys():
        results["cpu_over_cuda_size"] = round(
            builds["cpu"]["size_bytes"] / builds["cuda"]["size_bytes"], 3
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for build, result in builds.items():
        print(
            f"{build}: {result['size_bytes'] / 1e9:.2f} GB "
            f"({result['size_without_bytecode_bytes'] / 1e9:.2f} GB without bytecode), "
            f"{result['install_s']} s, pip check {'ok' if result['pip_check_ok'] else 'FAILED'}, "
            f"track {'ok' if result['track_ok'] else 'FAILED'}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

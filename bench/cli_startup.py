"""How long ``trackcast --help``, ``--version`` and ``serve --help`` take (issue 16: under 1 s).

Runs each command as a user would (the ``trackcast`` script beside this Python, a fresh process
each time, this checkout's code first on ``PYTHONPATH``) several times and reports the median and
the spread of wall time. Baselines in the same run: ``python -c pass`` (the interpreter alone),
``python -c "import torch, ultralytics"`` (what every command paid before parsing its arguments)
and, with ``--previous REV``, the same commands on that revision's code. The load average is
recorded with the numbers: they are only comparable on an idle machine.

    .venv/bin/python -m bench.cli_startup --previous main   # writes bench/results/cli_startup.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (("--help",), ("--version",), ("serve", "--help"))


def wall_times(command: Sequence[str], runs: int, env: dict[str, str]) -> list[float]:
    """Seconds per run of ``command`` (output discarded); fails if it exits non-zero."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "runs": len(times),
    }


def checkout(revision: str, into: Path) -> None:
    """The tracked files of ``revision`` under ``into`` (git archive, no work tree touched)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True
    ).stdout
    archive_path = into / "rev.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(into, filter="data")


def measure(runs: int, previous: str | None) -> dict[str, object]:
    script = str(Path(sys.executable).with_name("trackcast"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rows: dict[str, dict[str, float]] = {}
    rows["python -c pass"] = summary(wall_times([sys.executable, "-c", "pass"], runs, env))
    heavy = [sys.executable, "-c", "import torch, ultralytics"]
    rows["python -c 'import torch, ultralytics'"] = summary(wall_times(heavy, runs, env))
    for args in COMMANDS:
        rows[" ".join(("trackcast", *args))] = summary(wall_times([script, *args], runs, env))
    if previous is not None:
        with tempfile.TemporaryDirectory() as folder:
            checkout(previous, Path(folder))
            old_env = {**os.environ, "PYTHONPATH": folder}
            for args in COMMANDS:
                if "--version" in args:
                    continue  # it had none
                name = " ".join(("trackcast", *args)) + f" ({previous})"
                rows[name] = summary(wall_times([script, *args], runs, old_env))
    return {
        "command": " ".join([".venv/bin/python -m bench.cli_startup", *sys.argv[1:]]),
        "cpu_count": os.cpu_count(),
        "results": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (7)")
    parser.add_argument("--previous", metavar="REV", help="also time this git revision's code")
    args = parser.parse_args()
    load_before = list(os.getloadavg())
    result = measure(args.runs, args.previous)
    result["load_average_before"] = load_before
    result["load_average_after"] = list(os.getloadavg())
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "cli_startup.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""``trackcast cluster head`` and ``trackcast cluster worker``: their arguments, and real Ray nodes
started by them as a user starts them, joined by a driver, stopped by SIGTERM."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from cli.cluster import HEAD_HEALTH_CHECKS, camera_slots, frame_size, head_address
from tests.conftest import ROOT
from tests.servers.ray_nodes import NODE_IP, RayNode, start_head
from tests.waiting import scaled

RAY_SIGTERM_EXIT = 1
"""What ``ray start --block`` exits with once a SIGTERM has stopped its processes."""
DRIVER = """
import json, sys, time
import ray
ray.init(address=sys.argv[1], _node_ip_address=sys.argv[2], logging_level="ERROR",
         log_to_driver=False)
deadline = time.monotonic() + float(sys.argv[3])
def alive():
    return [n for n in ray.nodes() if n["Alive"]]
while len(alive()) < 2 and time.monotonic() < deadline:
    time.sleep(0.2)
print("RESULT", json.dumps([n["Resources"] for n in alive()]), flush=True)
if sys.argv[4] == "watch":  # the test kills the worker now: how long until Ray knows?
    sys.stdin.readline()
    killed = time.monotonic()
    while len(alive()) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    lost = {"alive": len(alive()), "seconds": time.monotonic() - killed}
    print("RESULT", json.dumps(lost), flush=True)
"""


def test_addresses_get_rays_default_port() -> None:
    assert head_address("ray-head") == "ray-head:6379"
    assert head_address("10.0.0.5:7000") == "10.0.0.5:7000"
    for wrong in (":6379", "host:port", "host:70000", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            head_address(wrong)


def test_frame_sizes_are_width_by_height_and_slots_whole_numbers() -> None:
    assert frame_size("1280x720") == (720, 1280)
    for wrong in ("1280", "0x720", "ax720"):
        with pytest.raises(argparse.ArgumentTypeError):
            frame_size(wrong)
    assert camera_slots("3") == 3
    for wrong in ("0", "-1", "2.5"):
        with pytest.raises(argparse.ArgumentTypeError):
            camera_slots(wrong)


def _driver(address: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, address, NODE_IP, str(scaled(90)), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


@pytest.mark.cluster
def test_a_worker_joins_the_head_with_its_camera_slots_and_both_stop_on_sigterm() -> None:
    head, address = start_head()
    worker = None
    try:
        worker = RayNode(["cluster", "worker", f"--address={address}", "--cameras=3"])
        with _driver(address, "count") as driver:
            out, err = driver.communicate(timeout=scaled(180))
        nodes = _result(out.splitlines(), err)
        assert len(nodes) == 2, (nodes, head.output(), worker.output())
        assert sorted(n.get("trackcast_cameras", 0) for n in nodes) == [0, 3]  # head: none
        assert f"joining {address} with 3 camera slots" in worker.output()
        assert f"starting the trackcast head on port {address.rsplit(':')[1]}" in head.output()
        # SIGTERM (docker stop) ends each node and every Ray process it started; Ray's SIGTERM
        # handler exits 1 after stopping them.
        assert worker.stop() == RAY_SIGTERM_EXIT, worker.output()
        assert head.stop() == RAY_SIGTERM_EXIT, head.output()
    finally:
        if worker is not None:
            worker.kill()
        head.kill()


@pytest.mark.cluster
def test_the_head_notices_a_lost_worker_within_seconds() -> None:
    """The head's health checks (HEAD_HEALTH_CHECKS, in the GCS's environment) declare a node
    whose processes were killed dead after a few missed checks, not Ray's half minute."""
    head, address = start_head()
    worker = None
    try:
        worker = RayNode(["cluster", "worker", f"--address={address}", "--cameras=2"])
        with _driver(address, "watch") as driver:  # closing stdin ends its wait on failure
            assert driver.stdout is not None and driver.stdin is not None
            assert len(_result(iter(driver.stdout.readline, ""), "")) == 2, head.output()
            gcs = [p for p in head.session_processes() if "gcs_server" in _command(p)]
            assert len(gcs) == 1 and HEAD_HEALTH_CHECKS.items() <= _environment(gcs[0]).items()
            os.killpg(worker.process.pid, signal.SIGKILL)  # the machine is gone, no warning
            out, err = driver.communicate("killed\n", timeout=scaled(120))
        lost = _result(out.splitlines(), err)
        assert lost["alive"] == 1
        assert lost["seconds"] < scaled(15), lost  # 3 missed 1 s checks; Ray's default: ~30 s
        assert head.stop() == RAY_SIGTERM_EXIT, head.output()
    finally:
        if worker is not None:
            worker.kill()
        head.kill()


def _result(lines: Iterable[str], err: str) -> Any:
    """The driver's ``RESULT`` line (Ray prints its own lines on the driver's output too)."""
    for line in lines:
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise AssertionError(f"the driver gave no result: {err}")


def _command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _environment(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
    return dict(entry.split("=", 1) for entry in entries if "=" in entry)

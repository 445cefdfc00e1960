"""``trackcast cluster head`` and ``trackcast cluster worker``: their arguments, and real Ray nodes
started by them as a user starts them, joined by a driver, stopped by SIGTERM."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from cli.cluster import HEAD_HEALTH_CHECKS, camera_slots, frame_size, head_address
from cluster.capacity import Workload, cameras_for
from tests.conftest import ROOT, run_cli
from tests.servers.ray_nodes import NODE_IP, RayNode, start_head, start_worker
from tests.waiting import scaled

API_IP = "127.0.0.3"
"""The joined API machine's own address."""
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
while len(alive()) < int(sys.argv[5]) and time.monotonic() < deadline:
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


def _driver(
    address: str, mode: str, nodes: int = 2, node_ip: str = NODE_IP
) -> subprocess.Popen[str]:
    """A Ray driver on ``node_ip`` that waits for ``nodes`` nodes (``DRIVER``)."""
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, address, node_ip, str(scaled(90)), mode, str(nodes)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


@pytest.mark.cluster
def test_workers_join_the_head_with_their_slots_an_api_machine_with_none() -> None:
    """Head, worker and a joined API machine (its own address, as another machine has): a
    driver there sees all three; SIGTERM stops each and every Ray process it started."""
    nodes: list[RayNode] = []
    try:
        head, address = start_head()
        nodes.append(head)
        worker = start_worker(address, cameras=3)
        nodes.append(worker)
        api = RayNode(["cluster", "join", f"--address={address}"], node_ip=API_IP)
        nodes.append(api)
        assert api.process.wait(timeout=scaled(120)) == 0, api.output()  # joined, returned
        with _driver(address, "count", nodes=3, node_ip=API_IP) as driver:
            out, err = driver.communicate(timeout=scaled(180))
        resources = _result(out.splitlines(), err)
        assert len(resources) == 3, (resources, head.output(), worker.output())
        by_ip = {next(k for k in r if k.startswith("node:1")): r for r in resources}
        assert by_ip[f"node:{API_IP}"].get("CPU", 0) == 0
        slots = sorted(r.get("trackcast_cameras", 0) for r in resources)
        assert slots == [0, 0, 3]  # the head and the API machine run no cameras
        assert f"joining {address} with 3 camera slots" in worker.output()
        assert f"starting the trackcast head on port {address.rsplit(':')[1]}" in head.output()
        # SIGTERM (docker stop) ends each node and every Ray process it started; Ray's SIGTERM
        # handler exits 1 after stopping them.
        assert worker.stop() == RAY_SIGTERM_EXIT, worker.output()
        api.stop()
        assert head.stop() == RAY_SIGTERM_EXIT, head.output()
    finally:
        for node in nodes:
            node.kill()


@pytest.mark.cluster
def test_the_head_notices_a_lost_worker_within_seconds() -> None:
    """The head's health checks (HEAD_HEALTH_CHECKS, in the GCS's environment) declare a node
    whose processes were killed dead after a few missed checks, not Ray's half minute."""
    head, address = start_head()
    worker = None
    try:
        worker = start_worker(address, cameras=2)
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


def test_a_worker_measures_its_capacity_with_the_configs_detector(tmp_path: Path) -> None:
    """The configured model, loaded as the service loads it, timed on this machine: the
    printed latency and the slots in the `ray start` command follow the module's formula."""
    config = tmp_path / "node.yaml"
    config.write_text(
        "detector: {model: coco-yolov3-tiny, imgsz: 320, precision: fp32}\n"
        "runtime: {batch_size: 2}\n"
        "cameras: [{id: door, url: 'rtsp://cam/door', fps_cap: 2}]\n"
    )
    result = run_cli(
        [
            "cluster", "worker", "--address=127.0.0.2", f"--config={config}", "--dry-run",
            "--frame-size=640x360", "--utilisation=0.5",
        ]
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    measured = re.search(
        r"(\d+\.\d) ms per frame in batches of 2; at 2 fps, motion duty 1 and utilisation 0.5: "
        r"(\d+) camera slots",
        result.stdout,
    )
    assert measured, result.stdout
    milliseconds, cameras = float(measured[1]), int(measured[2])
    assert cameras == cameras_for(milliseconds / 1000, Workload(fps=2, utilisation=0.5)) >= 1
    command = shlex.split(result.stdout.splitlines()[-1])
    assert command[1:3] == ["start", "--block"] and "--address=127.0.0.2:6379" in command
    assert f'--resources={{"trackcast_cameras": {cameras}}}' in command

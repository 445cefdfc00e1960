"""``trackcast cluster head|worker|join``: this machine's Ray node for cluster mode.

``head`` and ``worker`` end by replacing their own process with ``ray start --block``, so that a
stop signal (``docker stop``, Kubernetes, Ctrl-C) reaches Ray itself, which stops the node's Ray
processes. The head declares no camera slots and checks the nodes' health every second; a worker
declares ``trackcast_cameras``, measured from its detector's latency (``cluster.capacity``)
unless given. ``join`` starts a node with no CPUs and no camera slots in the background and
returns: a Ray driver (``trackcast serve --cluster``, ``trackcast track --cluster``) needs a Ray
node on its own machine, so an API container joins before it serves.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from cluster import CAMERA_RESOURCE, DEFAULT_ANALYSIS_FPS, DEFAULT_UTILISATION, ClusterError

DEFAULT_PORT = 6379
"""Ray's own default port of the head (its GCS)."""
HEAD_HEALTH_CHECKS = {
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
    "RAY_health_check_initial_delay_ms": "5000",
}
"""Ray settings of the head: a node that misses three one-second health checks is dead, so its
cameras move within seconds instead of Ray's default half minute. Set in the environment, they
win over these."""

EXAMPLES = """examples:
  trackcast cluster head
  trackcast cluster worker --address ray-head:6379 --config cameras.yaml
  trackcast cluster worker --address 192.0.2.10 --cameras 8 -- --node-ip-address 192.0.2.11
  trackcast cluster join --address ray-head && trackcast serve --cluster ray-head:6379 ...
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "cluster",
        help="start this machine's Ray node for cluster mode (head, worker or join)",
        description="Start a Ray node for `trackcast serve --cluster` and `trackcast track "
        "--cluster`: one head, workers that run cameras (both run until stopped), and API "
        "machines that join with nothing to run.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    nodes = parser.add_subparsers(dest="node", required=True, metavar="NODE")
    head = nodes.add_parser(
        "head",
        help="the cluster's head: Ray's control plane; no cameras",
    )
    head.add_argument("--port", type=int, default=DEFAULT_PORT, help="Ray's port (%(default)s)")
    _add_ray_arguments(head)
    head.set_defaults(handler=run_head)
    worker = nodes.add_parser(
        "worker",
        help="a node that runs cameras: measures how many, then joins the head",
        description="Join the cluster at --address, offering --cameras camera slots, or as many "
        "as the detector of --config (default settings without it) can serve at the cameras' "
        "analysis rate, measured now on a synthetic frame.",
    )
    _add_address_argument(worker)
    offer = worker.add_mutually_exclusive_group()
    offer.add_argument(
        "--cameras", type=camera_slots, metavar="N", help="camera slots, not measured"
    )
    offer.add_argument("--config", type=Path, help="YAML config whose detector is measured")
    worker.add_argument(
        "--frame-size", type=frame_size, default=(720, 1280), metavar="WxH", help="(1280x720)"
    )
    worker.add_argument(
        "--fps",
        type=float,
        default=DEFAULT_ANALYSIS_FPS,
        help="analysis rate of cameras without fps_cap (%(default)g)",
    )
    worker.add_argument(
        "--motion-duty",
        type=float,
        default=1.0,
        help="share of frames the detector runs on, motion gating considered (%(default)g)",
    )
    worker.add_argument(
        "--utilisation",
        type=float,
        default=DEFAULT_UTILISATION,
        help="share of each second the detector may be busy (%(default)g)",
    )
    worker.add_argument(
        "--dry-run", action="store_true", help="print the `ray start` command instead of running it"
    )
    _add_ray_arguments(worker)
    worker.set_defaults(handler=run_worker)
    join = nodes.add_parser(
        "join",
        help="join with no CPUs and no camera slots, for a driver on this machine (an API)",
        description="Start a Ray node that runs nothing and return once it has joined: Ray "
        "drivers (trackcast serve --cluster, trackcast track --cluster) need a Ray node on "
        "their own machine.",
    )
    _add_address_argument(join)
    _add_ray_arguments(join, cpus=False)
    join.set_defaults(handler=run_join, num_cpus=0)


def _add_address_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--address",
        required=True,
        type=head_address,
        metavar="HEAD[:PORT]",
        help=f"the head's address (port {DEFAULT_PORT} unless given)",
    )


def _add_ray_arguments(parser: argparse.ArgumentParser, cpus: bool = True) -> None:
    if cpus:
        parser.add_argument("--num-cpus", type=int, help="CPUs Ray may schedule (all)")
    parser.add_argument("--temp-dir", type=Path, help="Ray's session folder (/tmp/ray)")
    parser.add_argument(
        "ray_options", nargs="*", metavar="-- OPTION", help="more `ray start` options, after --"
    )


def head_address(text: str) -> str:
    """``HOST[:PORT]`` with Ray's default port when none is given."""
    host, colon, port = text.rpartition(":")
    if not colon:
        host, port = text, str(DEFAULT_PORT)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST or HOST:PORT, got {text!r}")
    return f"{host}:{port}"


def camera_slots(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of cameras from 1, got {text!r}")
    return int(text)


def frame_size(text: str) -> tuple[int, int]:
    """``WxH`` as (height, width)."""
    width, x, height = text.lower().partition("x")
    if not x or not width.isdigit() or not height.isdigit() or not int(width) * int(height):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 1280x720, got {text!r}")
    return int(height), int(width)


def run_head(args: argparse.Namespace) -> int:
    command = _ray_start(args, "--head", f"--port={args.port}", "--include-dashboard=false")
    print(f"starting the trackcast head on port {args.port} (no camera slots)", flush=True)
    return _become(command, {**HEAD_HEALTH_CHECKS, **os.environ})


def run_worker(args: argparse.Namespace) -> int:
    cameras = _measured_cameras(args) if args.cameras is None else args.cameras
    resources = json.dumps({CAMERA_RESOURCE: cameras})
    command = _ray_start(args, f"--address={args.address}", f"--resources={resources}")
    if args.dry_run:
        print(shlex.join(command))
        return 0
    print(f"joining {args.address} with {cameras} camera slots", flush=True)
    return _become(command, dict(os.environ))


def run_join(args: argparse.Namespace) -> int:
    command = _ray_start(args, f"--address={args.address}", block=False)
    print(f"joining {args.address} with no CPUs and no camera slots", flush=True)
    return subprocess.run(command, check=False).returncode


def _measured_cameras(args: argparse.Namespace) -> int:
    from cluster.capacity import Workload, cameras_for, measure_configured
    from config import AppConfig, load_config
    from runtime.threads import ThreadBudget

    config = load_config(args.config) if args.config else AppConfig()
    workload = Workload.of(config, args.fps, args.motion_duty, args.utilisation)
    height, width = args.frame_size
    print(f"measuring {config.detector.model} on {width}x{height} frames", flush=True)
    ThreadBudget.for_live().apply()
    measured = measure_configured(config, args.frame_size)
    cameras = cameras_for(measured.seconds_per_frame, workload)
    print(
        f"{measured.detector}: {measured.seconds_per_frame * 1000:.1f} ms per frame in batches "
        f"of {measured.batch_size}; at {workload.fps:g} fps, motion duty {workload.motion_duty:g}"
        f" and utilisation {workload.utilisation:g}: {cameras} camera slots",
        flush=True,
    )
    if cameras < 1:
        raise ClusterError(
            "this node cannot keep up with one camera: lower the cameras' fps_cap or imgsz, "
            "or give --cameras to override"
        )
    return cameras


def _ray_start(args: argparse.Namespace, *node_options: str, block: bool = True) -> list[str]:
    """``ray start`` (``--block``: until stopped) with the options every node takes, then
    ``node_options``, then the user's own (after ``--``)."""
    from cluster import require_ray

    require_ray()
    beside = Path(sys.executable).with_name("ray")  # the venv's own, first
    ray = str(beside) if beside.is_file() else shutil.which("ray")
    if ray is None:
        raise ClusterError("the `ray` command is not installed: pip install 'trackcast[cluster]'")
    command = [ray, "start", *(["--block"] if block else []), "--disable-usage-stats"]
    if args.num_cpus is not None:
        command.append(f"--num-cpus={args.num_cpus}")
    if args.temp_dir is not None:
        command.append(f"--temp-dir={args.temp_dir}")
    return [*command, *node_options, *args.ray_options]


def _become(command: list[str], env: dict[str, str]) -> int:
    """Replace this process with ``command`` (never returns)."""
    print(shlex.join(command), flush=True)
    sys.stderr.flush()
    os.execve(command[0], command, env)

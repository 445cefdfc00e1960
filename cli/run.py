"""``trackcast run --config FILE``: run the cameras of a config headless, printing their status."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from config import load_config
from runtime.cameras import CameraRuntime, CameraStatus
from runtime.threads import ThreadBudget
from service.log_redaction import install_log_redaction
from service.logs import configure_logging, log_settings
from service.secrets import config_secrets


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run the cameras of a config file, headless",
        description="Run every enabled camera of a YAML config: decode, detect, track. Prints each "
        "camera's status periodically; stops on Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--config", type=Path, required=True, help="YAML config file")
    parser.add_argument(
        "--status-every", type=float, default=5.0, metavar="S", help="seconds between status lines"
    )
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    configure_logging(log_settings(args, config.logging))
    install_log_redaction(config_secrets(config))  # camera passwords, wherever a log shows them
    ThreadBudget.for_live().apply()
    runtime = CameraRuntime(config)
    done = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    try:
        runtime.start()
        print(f"running {len(runtime.camera_ids())} camera(s); Ctrl-C stops", flush=True)
        while not done.is_set():
            remaining = (
                None if args.duration is None else args.duration - (time.monotonic() - started)
            )
            if remaining is not None and remaining <= 0:
                break
            wait = args.status_every if remaining is None else min(args.status_every, remaining)
            if done.wait(wait):
                break
            print_status(runtime)
    except KeyboardInterrupt:
        pass
    finally:
        clean = runtime.stop()
        signal.signal(signal.SIGTERM, previous)
    print("stopped" if clean else "stopped, but some threads did not end in time", flush=True)
    return 0


def print_status(runtime: CameraRuntime) -> None:
    for camera_id in runtime.camera_ids():
        print(status_line(runtime.status(camera_id)), flush=True)


def status_line(status: CameraStatus) -> str:
    health = status.health
    error = f" last error: {health.last_error}" if health.last_error else ""
    detector = "" if status.detector_state == "ready" else f", detector {status.detector_state}"
    return (
        f"{health.camera_id}: {health.state.value} in {health.fps_in:.1f} fps, out "
        f"{status.fps_out:.1f} fps, {status.frames_analysed} analysed, {status.frames_gated} "
        f"gated (duty {status.duty_cycle:.0%}), {health.frames_dropped} dropped, "
        f"{health.reconnects} reconnects{detector}{error}"
    )

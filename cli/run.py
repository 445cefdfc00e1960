"""``trackcast run --config FILE``: run the cameras of a config headless, printing their status.

Each camera's lines and zones count as they would under ``trackcast serve``: the counts are
printed with the status lines and at the end, and ``--events-out`` writes every event (track,
line and zone events) as JSON Lines. Nothing is stored and nothing is served: for the API,
the database, webhooks and MQTT, use ``trackcast serve``.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cli.replay import Tally
    from config import AppConfig
    from events import Event, EventSink, Evidence
    from runtime.cameras import CameraRuntime, CameraStatus

EXAMPLES = """examples:
  trackcast run --config cameras.yaml
  trackcast run --config cameras.yaml --events-out events.jsonl --duration 3600
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run the cameras of a config file, headless: status, counts, events to a file",
        description="Run every enabled camera of a YAML config: decode, detect, track, and count "
        "on its lines and zones. Prints each camera's status and counts periodically and at the "
        "end; --events-out writes every event as JSON Lines. Stops on Ctrl-C or SIGTERM. "
        "Nothing is stored or served: use trackcast serve for the API and the database.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, required=True, help="YAML config file")
    parser.add_argument(
        "--events-out",
        type=Path,
        metavar="PATH",
        help="write every event (track.*, line.crossed, zone.*) to PATH as JSON Lines",
    )
    parser.add_argument(
        "--status-every", type=float, default=5.0, metavar="S", help="seconds between status lines"
    )
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.set_defaults(handler=run)


class RunEvents:
    """The event sink of ``run``: counts each camera's events, and hands them to ``log``."""

    def __init__(self, log: EventSink | None = None) -> None:
        self._log = log
        self._lock = threading.Lock()
        self._tallies: dict[str, Tally] = {}

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        from cli.replay import Tally

        with self._lock:
            self._tallies.setdefault(event.camera_id, Tally()).emit(event)
        if self._log is not None:
            self._log.emit(event, evidence)

    def report(self, config: AppConfig, camera_id: str) -> list[str]:
        """The counts of the camera's lines and zones, one line each."""
        from cli.replay import Tally

        camera = next((c for c in config.cameras if c.id == camera_id), None)
        if camera is None:
            return []
        with self._lock:
            tally = self._tallies.get(camera_id) or Tally()
            return [f"{camera_id}: {line}" for line in tally.report(camera)]


def run(args: argparse.Namespace) -> int:
    from config import load_config
    from outputs.event_log import EventLog
    from runtime.cameras import CameraRuntime
    from runtime.threads import ThreadBudget
    from service.log_redaction import install_log_redaction
    from service.logs import configure_logging, log_settings
    from service.secrets import config_secrets

    config = load_config(args.config)
    configure_logging(log_settings(args, config.logging))
    install_log_redaction(config_secrets(config))  # camera passwords, wherever a log shows them
    log = EventLog(args.events_out) if args.events_out else None
    events = RunEvents(log)
    ThreadBudget.for_live().apply()
    runtime = CameraRuntime(config, events=events)
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
            print_status(runtime, events)
    except KeyboardInterrupt:
        pass
    finally:
        camera_ids = runtime.camera_ids()
        clean = runtime.stop()  # ends open tracks: their events come now
        signal.signal(signal.SIGTERM, previous)
        if log is not None:
            log.close()
    for camera_id in camera_ids:
        for line in events.report(config, camera_id):
            print(line, flush=True)
    if log is not None:
        dropped = f", {log.dropped} dropped (the disk was too slow)" if log.dropped else ""
        print(f"wrote {log.path} ({log.written} events{dropped})", flush=True)
    print("stopped" if clean else "stopped, but some threads did not end in time", flush=True)
    return 0


def print_status(runtime: CameraRuntime, events: RunEvents) -> None:
    for camera_id in runtime.camera_ids():
        print(status_line(runtime.status(camera_id)), flush=True)
        for line in events.report(runtime.config, camera_id):
            print(line, flush=True)


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

"""The live result equals the offline replay of the same tracks.

Real footage (vtest.avi) and the real person model run as a live camera in the runtime, paced
at 10 fps; every tracked frame its analysers saw is recorded as tracks JSONL (with the frame's
wall-clock time as pts), then ``trackcast analyze`` replays that file through the same geometry.
Both must report the same crossings and zone visits (crossings in both directions on vtest.avi
are checked in tests/cli/test_analyze.py).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path
from typing import Any

from analytics import Analyser
from config import AppConfig, CameraConfig, load_config
from events import LINE_CROSSED, ZONE_ENTERED, ZONE_EXITED, Event, Evidence
from outputs import FrameResult
from outputs.jsonl import JsonlWriter
from runtime.cameras import CameraRuntime
from tests.conftest import run_cli
from tests.waiting import wait_until

GEOMETRY = """\
detector: {model: person-yolov8s, imgsz: 320}
sources: {media_roots: [%s]}
cameras:
  - id: walkway
    url: %s
    lines:
      - {name: crossing, points: [[0.703125, 0.2], [0.703125, 1.0]], coordinates: normalized,
         in_name: westbound, out_name: eastbound}
    zones:
      - {name: path, polygon: [[0.25, 0.45], [0.75, 0.45], [0.75, 0.95], [0.25, 0.95]],
         coordinates: normalized}
"""
FRAMES = 300


class Events:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        with self._lock:
            self.events.append(event)


class TrackRecorder(Analyser):
    """Writes every frame the analysers see, with its receive time as pts, and counts them."""

    def __init__(self, path: Path) -> None:
        self.writer = JsonlWriter(path)
        self.frames = 0

    def update(self, result: FrameResult) -> None:
        self.writer.write(dataclasses.replace(result, pts=result.received_at))
        self.frames += 1

    def finish(self, now: float) -> None:
        self.writer.close()


class RecordingRuntime(CameraRuntime):
    recorder: TrackRecorder

    def _analysers(self, camera: CameraConfig) -> tuple[Analyser, ...]:
        return (*super()._analysers(camera), self.recorder)


def _key(event: dict[str, Any] | Event) -> tuple[Any, ...]:
    e = event if isinstance(event, dict) else dataclasses.asdict(event)
    return (e["type"], e["track_id"], e["region"], e["data"].get("direction"),
            round(e["time"], 3))  # fmt: skip


def test_live_counts_equal_the_offline_replay(vtest: Path, tmp_path: Path) -> None:
    clip = tmp_path / "vtest300.mp4"
    cut = run_cli(["track", str(vtest), "--model", "person-yolov8s", "--imgsz", "32",
                   "--max-frames", str(FRAMES), "--video", str(clip), "--no-progress"])  # fmt: skip
    assert cut.returncode == 0, cut.stderr
    geometry = tmp_path / "geometry.yaml"
    geometry.write_text(GEOMETRY % (tmp_path, clip))
    config: AppConfig = load_config(geometry)
    events = Events()
    runtime = RecordingRuntime(config, events=events)
    runtime.recorder = TrackRecorder(tmp_path / "live.jsonl")
    runtime.start()
    try:
        wait_until(lambda: runtime.status("walkway").health.state.value == "stopped", 300, 0.5)
    finally:
        assert runtime.stop(timeout_s=30)
    assert runtime.recorder.frames >= 100

    replay = run_cli(["analyze", str(tmp_path / "live.jsonl"), "--config", str(geometry),
                      "--events-out", str(tmp_path / "offline.jsonl")])  # fmt: skip
    assert replay.returncode == 0, replay.stderr
    offline = [json.loads(line) for line in (tmp_path / "offline.jsonl").read_text().splitlines()]

    counted = (LINE_CROSSED, ZONE_ENTERED, ZONE_EXITED)
    live_keys = sorted(_key(e) for e in events.events if e.type in counted)
    offline_keys = sorted(_key(e) for e in offline if e["type"] in counted)
    assert live_keys == offline_keys
    assert any(k[0] == LINE_CROSSED for k in live_keys)
    assert any(k[0] == ZONE_EXITED for k in live_keys)

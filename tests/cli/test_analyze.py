"""``trackcast analyze``: offline replay of a tracks file, and its equality with the live result.

The real-footage fixture tracks vtest.avi once in this process exactly as ``trackcast track
--jsonl`` does (detect, track, write JSON Lines) and feeds every tracked frame to the camera's
line and zone analysers as it goes, with the frame's pts as its time: the live result.
``trackcast analyze`` then replays the file that run wrote.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from analytics import LineCrossing
from cli.main import EXIT_USAGE, main
from cli.replay import build_analysers
from config import load_config
from detectors import DetectorOptions, load_detector
from events import Event, Evidence
from outputs import JsonlWriter
from runtime import FramePipeline
from stream import VideoSource
from tests.conftest import CliResult, run_cli
from tracking import TrackerOptions, create_tracker

FRAMES = 300
"""30 s of vtest.avi: people cross the line both ways (westbound from 6 s, eastbound from 12 s)."""

GEOMETRY = """
tracker: {lost_timeout_s: 3}
cameras:
  - id: walkway
    url: data/vtest.avi
    lines:
      - name: walkway
        coordinates: normalized          # x = 540 of 768, top to bottom across the walkway
        points: [[0.703125, 0.2], [0.703125, 1.0]]
        in_name: westbound               # right to left on screen
        out_name: eastbound
    zones:
      - name: path
        polygon: [[300, 200], [650, 200], [650, 420], [300, 420]]
        loiter_after_s: 5
"""


class Recorder:
    """An event sink that keeps each event as ``trackcast analyze`` writes it."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        self.events.append(event.content())  # as trackcast analyze writes it


@dataclass(frozen=True)
class LiveRun:
    config: Path
    tracks: Path
    events: list[dict[str, Any]]
    line_counts: dict[str, dict[str, int]]


@pytest.fixture(scope="module")
def live_run(vtest: Path, tmp_path_factory: pytest.TempPathFactory) -> LiveRun:
    out = tmp_path_factory.mktemp("analyze")
    config, tracks = out / "geometry.yaml", out / "vtest.jsonl"
    config.write_text(GEOMETRY)
    (camera,) = load_config(config).cameras
    live = Recorder()
    analysers = build_analysers(camera, live, lost_timeout_s=3.0)
    source = VideoSource(str(vtest))
    detector = load_detector(DetectorOptions(model="person-yolov8s", imgsz=640))
    pipeline = FramePipeline(detector, create_tracker(TrackerOptions(frame_rate=source.info.fps)))
    writer = JsonlWriter(tracks)
    at = 0.0
    try:
        for frame in itertools.islice(source.frames(), FRAMES):
            (result,) = pipeline.process([frame])
            writer.write(result)
            at = result.pts if result.pts is not None else at
            tracked = replace(result, camera_id=camera.id, received_at=at)
            for analyser in analysers:
                analyser.update(tracked)
    finally:
        writer.close()
        detector.close()
        source.close()
    for analyser in analysers:
        analyser.finish(at)
    line = next(a for a in analysers if isinstance(a, LineCrossing))
    return LiveRun(config, tracks, live.events, line.counts())


def _analyze(*args: str) -> CliResult:
    return run_cli(["analyze", *args], timeout=120)


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_live_crossings_go_both_ways(live_run: LiveRun) -> None:
    westbound, eastbound = live_run.line_counts["westbound"], live_run.line_counts["eastbound"]
    assert westbound.get("person", 0) >= 1 and eastbound.get("person", 0) >= 1, westbound
    crossings = [e for e in live_run.events if e["type"] == "line.crossed"]
    assert len(crossings) == sum(westbound.values()) + sum(eastbound.values())
    assert all(len(e["data"]["trajectory"]) >= 3 for e in crossings)


def test_offline_replay_equals_the_live_result(live_run: LiveRun, tmp_path: Path) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    args = [str(live_run.tracks), "--config", str(live_run.config)]
    result = _analyze(*args, "--events-out", str(first))
    assert result.returncode == 0, result.stderr
    assert _read(first) == live_run.events
    assert _analyze(*args, "--events-out", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()  # reproducible byte for byte

    west, east = live_run.line_counts["westbound"], live_run.line_counts["eastbound"]
    west_n, east_n = sum(west.values()), sum(east.values())
    assert f"{FRAMES} frames replayed for camera walkway" in result.stdout
    assert (
        f"line walkway: westbound {west_n} (person {west_n}), eastbound {east_n} (person {east_n})"
        in result.stdout
    )
    assert "zone path: entered " in result.stdout
    assert f"wrote {first} ({len(live_run.events)} events)" in result.stdout


SYNTHETIC_CONFIG = """
cameras:
  - id: door
    url: rtsp://camera/stream
    lines:
      - {name: sill, points: [[0, 100], [200, 100]]}
    zones:
      - {name: hall, polygon: [[0, 100], [200, 100], [200, 200], [0, 200]]}
"""


def _record(frame: int, y: float | None, *, pts: bool = True) -> str:
    tracks = [] if y is None else [
        {"track_id": 4, "class_id": 0, "class_name": "person", "confidence": 0.9,
         "box": [40.0, y - 20, 60.0, y], "attributes": {}}
    ]  # fmt: skip
    record: dict[str, Any] = {"frame": frame, "tracks": tracks}
    if pts:
        record["pts"] = frame / 10
    return json.dumps(record)


@pytest.fixture
def synthetic(tmp_path: Path) -> tuple[Path, Path]:
    """A tracks file in the older format (no frame size): one person walks down through the
    sill into the hall for 2 s, then leaves the way it came."""
    config, tracks = tmp_path / "door.yaml", tmp_path / "tracks.jsonl"
    config.write_text(SYNTHETIC_CONFIG)
    ys = [60, 70, 80, 90] + [120] * 20 + [80, 70, 60, 60]
    tracks.write_text("\n".join(_record(i, y) for i, y in enumerate(ys)) + "\n")
    return config, tracks


def test_synthetic_replay_prints_exact_counts(
    synthetic: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, tracks = synthetic
    events = tmp_path / "out" / "events.jsonl"
    code = main(["analyze", str(tracks), "--config", str(config), "--events-out", str(events)])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{tracks}: 28 frames replayed for camera door",
        "line sill: in 1 (person 1), out 1 (person 1)",
        "zone hall: entered 1 (person 1), exited 1 (person 1), loitering 0, "
        "dwell mean 2.0 s, max 2.0 s",
        f"wrote {events} (4 events)",
    ]
    written = _read(events)
    assert [(e["type"], e["region"], e["time"]) for e in written] == [
        ("zone.entered", "hall", 0.4),
        ("line.crossed", "sill", 0.4),
        ("zone.exited", "hall", 2.4),
        ("line.crossed", "sill", 2.4),
    ]
    assert written[2]["data"]["dwell_s"] == 2.0 and "id" not in written[0]


def test_fps_replaces_missing_pts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, tracks = tmp_path / "door.yaml", tmp_path / "tracks.jsonl"
    config.write_text(SYNTHETIC_CONFIG)
    ys = [60, 70, 80, 90, None, 120, 120, 120]
    tracks.write_text("".join(_record(i, y, pts=False) + "\n\n" for i, y in enumerate(ys)))
    assert main(["analyze", str(tracks), "--config", str(config), "--fps", "5"]) == 0
    assert "line sill: in 1 (person 1), out 0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("tracks_text", "extra_config", "args", "message"),
    [
        (None, "", [], "cannot read"),
        ('{"frame": 0, "pts": 0, "tracks": []}\nnot json\n', "", [], "line 2: not JSON"),
        ('{"frame": 0, "tracks": []}\n', "", [], "line 1: the record has no pts: pass --fps"),
        ('{"pts": 0, "tracks": []}\n', "", [], "line 1: missing key 'frame'"),
        ('{"frame": 0, "pts": 0, "tracks": [{"box": [1, 2, 3, 4]}]}\n', "", [], "missing key"),
        ('{"frame": 0, "pts": 0, "tracks": [{"box": [1]}]}\n', "", [], "box must be [x1, y1,"),
        ("[1, 2]\n", "", [], "line 1: not a tracks record"),
        ("", "", ["--camera", "lobby"], "no camera 'lobby' (cameras: door)"),
        ("", "  - {id: lobby, url: x}\n", [], "2 cameras (door, lobby); choose one with --camera"),
        (
            '{"frame": 0, "pts": 0, "tracks": []}\n',
            "    zones: [{name: z, coordinates: normalized, polygon: [[0, 0], [1, 0], [1, 1]]}]\n",
            [],
            "no frame width and height",
        ),
        ("", "    colour: red\n", [], "cameras.0.colour: unknown key"),
        ("", "", ["--fps", "0"], "--fps must be positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    tracks_text: str | None,
    extra_config: str,
    args: list[str],
    message: str,
) -> None:
    config, tracks = tmp_path / "door.yaml", tmp_path / "tracks.jsonl"
    config.write_text("cameras:\n  - id: door\n    url: x\n" + extra_config)
    if tracks_text is not None:
        tracks.write_text(tracks_text)
    assert main(["analyze", str(tracks), "--config", str(config), *args]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("trackcast: error: ") and err.count("\n") == 1
    assert message in err


def test_a_video_given_as_tracks_is_a_clear_error(
    vtest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "door.yaml"
    config.write_text(SYNTHETIC_CONFIG)
    assert main(["analyze", str(vtest), "--config", str(config)]) == EXIT_USAGE
    assert "line 1: not" in capsys.readouterr().err


def test_unwritable_events_output_is_exit_2(
    synthetic: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, tracks = synthetic
    blocker = tmp_path / "file"
    blocker.write_text("")
    args = ["analyze", str(tracks), "--config", str(config), "--events-out", str(blocker / "e")]
    assert main(args) == EXIT_USAGE
    assert "cannot write" in capsys.readouterr().err

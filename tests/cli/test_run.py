"""``trackcast run --config``: real cameras (a looping file, a dead RTSP URL), real model."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import run_cli


def test_runs_cameras_and_reports_each_one(square_clip: Path, tmp_path: Path) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text(
        "detector: {model: coco-yolov3-tiny, imgsz: 320}\n"
        f"sources: {{media_roots: ['{square_clip.parent}'], private_networks: true}}\n"
        "cameras:\n"
        f"  - {{id: lobby, url: '{square_clip}', loop: true}}\n"
        "  - {id: gone, url: 'rtsp://admin:secret@127.0.0.1:9/x', reconnect: {backoff_max_s: 1}}\n"
    )
    result = run_cli(["run", "--config", str(config), "--duration", "5", "--status-every", "2"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "running 2 camera(s); Ctrl-C stops"
    assert any(line.startswith("lobby: streaming in ") for line in lines)
    assert any(line.startswith("gone: backoff") and "cannot connect to" in line for line in lines)
    assert "secret" not in result.stdout + result.stderr
    assert lines[-1] == "stopped"


def test_a_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text("cameras:\n  - {id: a, url: x, fsp_cap: 5}\n")
    result = run_cli(["run", "--config", str(config)], timeout=60)
    assert result.returncode == 2
    assert "cameras.0.fsp_cap: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_counts_zones_and_writes_every_event_as_json_lines(
    camera_clip: Path, tmp_path: Path
) -> None:
    config = tmp_path / "walkway.yaml"
    config.write_text(
        "detector: {model: person-yolov8s, imgsz: 320}\n"
        f"sources: {{media_roots: ['{camera_clip.parent}']}}\n"
        "cameras:\n"
        f"  - id: walk\n    url: '{camera_clip}'\n    loop: true\n"
        "    zones:\n"
        "      - {name: all, coordinates: normalized, classes: [person],"
        " polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]}\n"
    )
    events_out = tmp_path / "out" / "events.jsonl"
    result = run_cli(
        ["run", "--config", str(config), "--events-out", str(events_out), "--duration", "8"]
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in events_out.read_text().splitlines()]
    kinds = Counter(event["type"] for event in events)
    assert kinds["track.started"] > 0 and kinds["zone.entered"] > 0
    # every track still open at the stop is ended, and leaves the zone it is in
    assert kinds["track.ended"] == kinds["track.started"]
    assert kinds["zone.exited"] == kinds["zone.entered"]
    assert all(event["camera_id"] == "walk" and len(event["id"]) == 32 for event in events)
    assert {event["region"] for event in events if event["type"].startswith("zone.")} == {"all"}
    lines = result.stdout.splitlines()
    entered = kinds["zone.entered"]
    assert f"walk: zone all: entered {entered} (person {entered}), exited {entered}" in "\n".join(
        lines
    )
    assert lines[-2:] == [f"wrote {events_out} ({len(events)} events)", "stopped"]


def test_a_misspelt_zone_class_exits_2_with_the_models_classes(
    square_clip: Path, tmp_path: Path
) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text(
        "detector: {model: coco-yolov3-tiny, imgsz: 320}\n"
        f"sources: {{media_roots: ['{square_clip.parent}']}}\n"
        "cameras:\n"
        f"  - id: lobby\n    url: '{square_clip}'\n"
        "    zones: [{name: door, polygon: [[0, 0], [9, 0], [9, 9]], classes: [persn]}]\n"
    )
    result = run_cli(["run", "--config", str(config), "--duration", "30"], timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip().splitlines()[-1]  # after the log of the model's release
    assert line.startswith("trackcast: error: camera lobby: zones.0.classes: 'persn' never")
    assert "(its classes: person, bicycle, car, " in line and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        (
            "    detector: {model: coco-yolov3-tiny, imgsz: 320, classes: [persn]}\n",
            "trackcast: error: unknown class 'persn'; this model detects: aeroplane, apple, ",
        ),
        (
            "    ignore: [{polygon: [[0, 0], [9, 0], [9, 9]], classes: [persn]}]\n",
            "trackcast: error: camera lobby: ignore.0.classes: 'persn' never reported by the "
            "detector (coco-yolov3-tiny), so the mask would never drop it (its classes: person, ",
        ),
    ],
    ids=["detector.classes", "ignore"],
)
def test_a_misspelt_detector_or_mask_class_exits_2_with_the_models_classes(
    setting: str, problem: str, square_clip: Path, tmp_path: Path
) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text(
        "detector: {model: coco-yolov3-tiny, imgsz: 320}\n"
        f"sources: {{media_roots: ['{square_clip.parent}']}}\n"
        f"cameras:\n  - id: lobby\n    url: '{square_clip}'\n{setting}"
    )
    result = run_cli(["run", "--config", str(config), "--duration", "30"], timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1].startswith(problem)
    assert "Traceback" not in result.stderr

"""``trackcast dataset`` refuses bad input with one line and exit 2, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.media import SQUARE, square_position


def tracks_file(path: Path, frames: int = 20) -> Path:
    lines = []
    for index in range(frames):
        x, y = square_position(index)
        track = {"track_id": 1, "class_id": 0, "class_name": "square", "confidence": 0.9,
                 "box": [x, y, x + SQUARE, y + SQUARE], "attributes": {}}  # fmt: skip
        record = {"frame": index, "pts": index / 10, "width": 320, "height": 240,
                  "analysed": True, "tracks": [track]}  # fmt: skip
        lines.append(json.dumps(record) + "\n")
    path.write_text("".join(lines))
    return path


def one_line_error(args: list[str]) -> str:
    result = run_cli(["dataset", *args], timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    return line


def test_a_square_clip_becomes_a_dataset(square_clip: Path, tmp_path: Path) -> None:
    tracks = tracks_file(tmp_path / "t.jsonl")
    result = run_cli(["dataset", str(square_clip), str(tracks), "--out", str(tmp_path / "ds"),
                      "--every", "0.5"], timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "20 tracked frames, 4 kept (4 interval)" in result.stdout
    assert "3 train and 1 val images, 4 labels" in result.stdout


def test_an_output_folder_with_files_is_refused(square_clip: Path, tmp_path: Path) -> None:
    tracks = tracks_file(tmp_path / "t.jsonl")
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "notes.txt").write_text("mine")
    line = one_line_error([str(square_clip), str(tracks), "--out", str(tmp_path / "ds")])
    assert "is not an empty folder" in line
    assert (tmp_path / "ds" / "notes.txt").read_text() == "mine"


def test_an_output_that_cannot_be_created_is_a_write_error(
    square_clip: Path, tmp_path: Path
) -> None:
    tracks = tracks_file(tmp_path / "t.jsonl")
    (tmp_path / "file").write_text("")
    line = one_line_error([str(square_clip), str(tracks), "--out", str(tmp_path / "file" / "ds")])
    assert "cannot write" in line


def test_wall_clock_event_times_are_refused(square_clip: Path, tmp_path: Path) -> None:
    tracks = tracks_file(tmp_path / "t.jsonl")
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({"type": "line.crossed", "time": 1_790_000_000.0}) + "\n")
    args = [str(square_clip), str(tracks), "--out", str(tmp_path / "ds"), "--events", str(events)]
    assert "wall-clock times" in one_line_error(args)

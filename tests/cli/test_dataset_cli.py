"""``trackcast dataset`` on a generated clip, as a user runs it: with the events ``trackcast
analyze`` writes for the same tracks, and refusing bad input with one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

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


GEOMETRY = """
cameras:
  - id: clip
    url: square.mp4
    lines:
      - name: gate
        points: [[160, 0], [160, 240]]
"""


def test_the_frames_of_analyzes_events_are_kept(square_clip: Path, tmp_path: Path) -> None:
    """The square's centre (x = 40 + 8 * frame) crosses x = 160 between frames 14 and 16."""
    tracks = tracks_file(tmp_path / "t.jsonl")
    (tmp_path / "geometry.yaml").write_text(GEOMETRY)
    events = tmp_path / "events.jsonl"
    analyze = run_cli(["analyze", str(tracks), "--config", str(tmp_path / "geometry.yaml"),
                       "--events-out", str(events)], timeout=120)  # fmt: skip
    assert analyze.returncode == 0, analyze.stderr
    (event,) = [json.loads(line) for line in events.read_text().splitlines()]
    result = run_cli(["dataset", str(square_clip), str(tracks), "--out", str(tmp_path / "ds"),
                      "--events", str(events)], timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 kept (1 event)" in result.stdout
    (image,) = (tmp_path / "ds" / "images" / "val").glob("*.jpg")
    frame = int(image.stem.removeprefix("frame_"))
    assert frame == round(event["time"] * 10)
    assert 14 <= frame <= 16


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


def _square_brightness(out: Path) -> dict[str, int]:
    """The brightest pixel of the square's box in each written image, by file name."""
    found = {}
    for path in sorted((out / "images").glob("*/*.jpg")):
        index = int(path.stem.removeprefix("frame_"))
        x, y = square_position(index)
        image = cv2.imread(str(path))
        assert image is not None
        found[path.name] = int(image[y + 4 : y + SQUARE - 4, x + 4 : x + SQUARE - 4].max())
    return found


@pytest.mark.parametrize(
    "privacy",
    [
        ["--privacy-classes", "square", "--privacy-mode", "black"],
        ["--privacy-zone", "0,0 0.6,0 0.6,0.5 0,0.5"],  # the square's path in frames 0-15
        [],
    ],
    ids=["class", "zone", "off"],
)
def test_privacy_masks_the_exported_images_and_crops(
    square_clip: Path, tmp_path: Path, privacy: list[str]
) -> None:
    tracks = tracks_file(tmp_path / "t.jsonl", frames=16)
    out = tmp_path / "ds"
    args = ["dataset", str(square_clip), str(tracks), "--out", str(out), "--every", "0.5"]
    result = run_cli([*args, "--crops", *privacy], timeout=120)
    assert result.returncode == 0, result.stderr
    assert "3 train and 1 val images, 4 labels" in result.stdout  # the labels keep the boxes
    brightest = _square_brightness(out)
    assert len(brightest) == 4
    crops = []
    for path in sorted((out / "crops" / "square").glob("*.jpg")):
        crop = cv2.imread(str(path))
        assert crop is not None
        crops.append(int(crop.max()))
    assert len(crops) == 4
    if privacy:
        assert max(brightest.values()) < 40, brightest  # hidden in every image
        assert max(crops) < 40, crops
    else:
        assert min(brightest.values()) > 200, brightest
        assert min(crops) > 200, crops


def test_a_bad_privacy_zone_is_one_line(square_clip: Path, tmp_path: Path) -> None:
    tracks = tracks_file(tmp_path / "t.jsonl")
    base = [str(square_clip), str(tracks), "--out", str(tmp_path / "ds")]
    line = one_line_error([*base, "--privacy-zone", "0,0 2,0 1,1"])
    assert "--privacy-*" in line and "normalized coordinates must lie in [0, 1]" in line
    line = one_line_error([*base, "--privacy-zone", "0,0 x,0 1,1"])
    assert "corners are X,Y numbers" in line

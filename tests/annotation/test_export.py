"""``annotation.export`` on a generated clip whose only object is known exactly: a white square
that moves 8 px right per frame, written as track 1 of a hand-made tracks file."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
import yaml
from pycocotools.coco import COCO

from annotation.export import ExportOptions, export_dataset
from annotation.selection import SelectionOptions
from tests.media import SQUARE, square_position, write_moving_square_clip

FRAMES = 30  # 3 s at 10 fps
WIDTH, HEIGHT = 320, 240


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "square.mp4"
    write_moving_square_clip(path, frames=FRAMES)
    return path


def confidence(index: int) -> float:
    return 0.3 if index == 12 else 0.9


def write_tracks(path: Path, *, width: int = WIDTH, frames: int = FRAMES) -> Path:
    with path.open("w") as out:
        for index in range(frames):
            x, y = square_position(index)
            track = {
                "track_id": 1,
                "class_id": 2,
                "class_name": "square",
                "confidence": confidence(index),
                "box": [x, y, x + SQUARE, y + SQUARE],
                "attributes": {},
            }
            tracks = [track]
            if index == 20:  # a second track appears, half outside the frame
                tracks.append({**track, "track_id": 7, "box": [300, 200, 340, 260]})
            record = {
                "frame": index, "pts": index / 10, "width": width, "height": HEIGHT,
                "analysed": True, "tracks": tracks,
            }  # fmt: skip
            out.write(json.dumps(record) + "\n")
    return path


def test_every_second_writes_yolo_labels_that_match_the_boxes(clip: Path, tmp_path: Path) -> None:
    tracks = write_tracks(tmp_path / "tracks.jsonl")
    options = ExportOptions(tmp_path / "ds", SelectionOptions(every_s=1.0), val_every=2)
    report = export_dataset(clip, tracks, options)
    assert report.frames == FRAMES
    assert report.kept == {"train": 1, "val": 2}  # frames 0 and 20 to val, 10 to train
    assert report.labels == 4  # one square per frame, and track 7 at frame 20
    data = yaml.safe_load((tmp_path / "ds" / "data.yaml").read_text())
    assert data["names"] == {0: "class0", 1: "class1", 2: "square"}  # the model's own ids
    assert (data["train"], data["val"]) == ("images/train", "images/val")
    assert "path" not in data  # relative to data.yaml: the folder can be moved
    label = (tmp_path / "ds" / "labels" / "train" / "frame_000010.txt").read_text().split()
    x, y = square_position(10)
    expected = [(x + SQUARE / 2) / WIDTH, (y + SQUARE / 2) / HEIGHT, SQUARE / WIDTH]
    assert label[0] == "2"
    assert [float(v) for v in label[1:4]] == pytest.approx(expected, abs=1e-5)
    clipped = (tmp_path / "ds" / "labels" / "val" / "frame_000020.txt").read_text().splitlines()
    assert clipped[1].split()[1:] == ["0.968750", "0.916667", "0.062500", "0.166667"]
    image = cv2.imread(str(tmp_path / "ds" / "images" / "train" / "frame_000010.jpg"))
    assert image is not None
    assert image.shape == (HEIGHT, WIDTH, 3)
    assert image[y + SQUARE // 2, x + SQUARE // 2].min() > 200  # the square is in the JPEG


def test_coco_json_keeps_track_ids_and_loads_in_pycocotools(clip: Path, tmp_path: Path) -> None:
    tracks = write_tracks(tmp_path / "tracks.jsonl")
    export_dataset(clip, tracks, ExportOptions(tmp_path / "ds", SelectionOptions(every_s=1.0)))
    coco = COCO(str(tmp_path / "ds" / "coco.json"))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["square"]
    images = coco.loadImgs(coco.getImgIds())
    assert [i["frame"] for i in images] == [0, 10, 20]
    assert all((tmp_path / "ds" / i["file_name"]).is_file() for i in images)
    frame_20 = coco.loadAnns(coco.getAnnIds(imgIds=[images[2]["id"]]))
    assert [a["attributes"]["track_id"] for a in frame_20] == [1, 7]
    x, y = square_position(20)
    assert frame_20[0]["bbox"] == [x, y, SQUARE, SQUARE]
    assert frame_20[1]["bbox"] == [300, 200, 20, 40]  # cut to the frame


def test_events_review_and_crops(clip: Path, tmp_path: Path) -> None:
    tracks = write_tracks(tmp_path / "tracks.jsonl")
    selection = SelectionOptions(
        every_s=None, event_times=(0.47, 2.5), review_confidence=0.5, review_new_tracks=True
    )
    report = export_dataset(clip, tracks, ExportOptions(tmp_path / "ds", selection, crops=True))
    assert report.reasons == {"event": 2}
    root = tmp_path / "ds"
    names = sorted(p.name for p in (root / "images").rglob("*.jpg"))
    # events at frames 5 and 25; review: track 1 new at 0, uncertain at 12, track 7 new at 20
    assert names == [f"frame_0000{i:02d}.jpg" for i in (0, 5, 12, 20, 25)]
    assert (root / "review.txt").read_text().splitlines() == [
        f"./images/review/frame_0000{i:02d}.jpg" for i in (0, 12, 20)
    ]
    reasons = [
        json.loads(line)["reasons"] for line in (root / "review.jsonl").read_text().splitlines()
    ]
    assert reasons == [["new_track"], ["low_confidence"], ["new_track"]]
    crops = sorted(p.relative_to(root).as_posix() for p in (root / "crops").rglob("*.jpg"))
    assert crops == ["crops/square/000001_000005.jpg", "crops/square/000001_000025.jpg"]
    crop = cv2.imread(str(root / crops[0]))
    assert crop is not None
    assert crop.shape == (SQUARE, SQUARE, 3)


def test_tracks_of_another_video_are_refused(clip: Path, tmp_path: Path) -> None:
    tracks = write_tracks(tmp_path / "tracks.jsonl", width=640)
    with pytest.raises(ValueError, match="640x240 in the tracks but 320x240 in the video"):
        export_dataset(clip, tracks, ExportOptions(tmp_path / "ds"))


def test_a_folder_with_files_is_not_overwritten(clip: Path, tmp_path: Path) -> None:
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "mine.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not an empty folder"):
        export_dataset(clip, write_tracks(tmp_path / "t.jsonl"), ExportOptions(tmp_path / "ds"))

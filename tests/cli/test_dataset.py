"""``trackcast dataset`` on the tracks of a real ``trackcast track`` run of vtest.avi: the YOLO
export loads in ultralytics (the model that made the tracks is validated on it), and its labels
are exactly the tracked boxes of the sampled frames."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pycocotools.coco import COCO
from ultralytics import YOLO

from detectors.bundled import PERSON_YOLOV8S
from tests.conftest import CliResult, run_cli

FRAMES = 100
EVERY_S = 2.0


@dataclass(frozen=True)
class DatasetRun:
    track: CliResult
    result: CliResult
    jsonl: Path
    out: Path


@pytest.fixture(scope="module")
def dataset_run(vtest: Path, tmp_path_factory: pytest.TempPathFactory) -> DatasetRun:
    folder = tmp_path_factory.mktemp("dataset_run")
    jsonl, out = folder / "vtest.jsonl", folder / "dataset"
    track = run_cli(
        [
            "track", str(vtest), "--model", "person-yolov8s", "--max-frames", str(FRAMES),
            "--jsonl", str(jsonl),
        ]
    )  # fmt: skip
    result = run_cli(
        [
            "dataset", str(vtest), str(jsonl), "--out", str(out), "--every", str(EVERY_S),
            "--val-every", "1", "--review-below", "0.5", "--review-new-tracks", "--crops",
        ]
    )  # fmt: skip
    return DatasetRun(track, result, jsonl, out)


def records(path: Path) -> dict[int, dict]:  # type: ignore[type-arg]
    lines = path.read_text().splitlines()
    return {r["frame"]: r for r in map(json.loads, lines)}


def test_the_sampled_frames_are_every_two_seconds(dataset_run: DatasetRun) -> None:
    assert dataset_run.track.returncode == 0, dataset_run.track.stderr
    assert dataset_run.result.returncode == 0, dataset_run.result.stderr
    assert f"{FRAMES} tracked frames, 5 kept (5 interval)" in dataset_run.result.stdout
    images = sorted(p.name for p in (dataset_run.out / "images" / "val").glob("*.jpg"))
    assert images == [f"frame_{i:06d}.jpg" for i in (0, 20, 40, 60, 80)]  # vtest is 10 fps


def test_labels_are_the_tracked_boxes_and_ultralytics_validates_on_them(
    dataset_run: DatasetRun, tmp_path: Path
) -> None:
    tracked = records(dataset_run.jsonl)
    labels = sorted((dataset_run.out / "labels" / "val").glob("*.txt"))
    expected = 0
    for label in labels:
        boxes = tracked[int(label.stem.removeprefix("frame_"))]["tracks"]
        assert len(label.read_text().splitlines()) == len(boxes) > 0
        expected += len(boxes)
    assert f"{expected} labels" in dataset_run.result.stdout
    data = yaml.safe_load((dataset_run.out / "data.yaml").read_text())
    assert data["names"] == {0: "person"}
    (weights,) = PERSON_YOLOV8S.locate()
    metrics = YOLO(str(weights)).val(
        data=str(dataset_run.out / "data.yaml"), imgsz=320, device="cpu", plots=False,
        workers=0, project=str(tmp_path), name="val", verbose=False,
    )  # fmt: skip
    assert int(metrics.nt_per_class.sum()) == expected  # every label was read
    assert metrics.box.map50 > 0.3  # the model finds its own tracks again


def test_coco_json_has_the_same_boxes_with_track_ids(dataset_run: DatasetRun) -> None:
    coco = COCO(str(dataset_run.out / "coco.json"))
    tracked = records(dataset_run.jsonl)
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["person"]
    for image in coco.loadImgs(coco.getImgIds()):
        assert (dataset_run.out / image["file_name"]).is_file()
        annotations = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
        ids = [a["attributes"]["track_id"] for a in annotations]
        assert ids == [t["track_id"] for t in tracked[image["frame"]]["tracks"]]


def test_review_lists_new_and_uncertain_tracks(dataset_run: DatasetRun) -> None:
    tracked = records(dataset_run.jsonl)
    entries = [
        json.loads(line) for line in (dataset_run.out / "review.jsonl").read_text().splitlines()
    ]
    seen: set[int] = set()
    firsts = []
    for frame in sorted(tracked):
        ids = {t["track_id"] for t in tracked[frame]["tracks"]}
        if ids - seen:
            firsts.append(frame)
        seen |= ids
    flagged = [e["frame"] for e in entries if "new_track" in e["reasons"]]
    assert flagged == firsts
    listed = (dataset_run.out / "review.txt").read_text().splitlines()
    assert len(listed) == len(entries)
    assert all((dataset_run.out / line).is_file() for line in listed)
    assert any((dataset_run.out / "crops" / "person").iterdir())

"""A YOLO dataset: ``images/<split>/*.jpg``, ``labels/<split>/*.txt`` with one
``class x_center y_center width height`` line per box (normalized to 0..1), and ``data.yaml``.
Tracks of a segmentation model give ultralytics' segment lines instead, ``class x1 y1 x2 y2 ...``
(the polygon's corners, normalized), which its detection models validate on too (as boxes).

The class ids are the model's own (as the tracks file gives them), so the model that made the
tracks can be validated on the dataset; ids the tracks never used get a placeholder name.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from annotation.tracks import TrackBox, clip_box, clip_polygon

TRAIN, VAL, REVIEW = "train", "val", "review"


def label_lines(tracks: tuple[TrackBox, ...], width: int, height: int) -> list[str]:
    """One label line per box that is inside the frame."""
    lines = []
    for track in tracks:
        box = clip_box(track.box, width, height)
        if box is None:
            continue
        outline = clip_polygon(track, width, height)
        if outline is not None:
            corners = " ".join(f"{x / width:.6f} {y / height:.6f}" for x, y in outline)
            lines.append(f"{track.class_id} {corners}\n")
            continue
        x1, y1, x2, y2 = box
        cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
        w, h = (x2 - x1) / width, (y2 - y1) / height
        lines.append(f"{track.class_id} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}\n")
    return lines


def write_labels(root: Path, split: str, stem: str, lines: list[str]) -> Path:
    path = root / "labels" / split / f"{stem}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def image_path(root: Path, split: str, stem: str) -> Path:
    return root / "images" / split / f"{stem}.jpg"


def write_data_yaml(root: Path, names: Mapping[int, str]) -> Path:
    """``data.yaml`` for ``YOLO(...).train/val(data=...)``: train and val splits of ``root``.
    No ``path`` key: ultralytics then resolves the splits from the file's own folder, so the
    dataset can be moved or archived as it is."""
    count = max(names, default=-1) + 1
    data = {
        "train": f"images/{TRAIN}",
        "val": f"images/{VAL}",
        "names": {i: names.get(i, f"class{i}") for i in range(count)},
    }
    path = root / "data.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path

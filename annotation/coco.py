"""COCO JSON of the kept frames: ``images``, ``annotations`` (``bbox`` = x, y, width, height in
pixels; for tracks of a segmentation model also ``segmentation``, one polygon ``[x1, y1, x2, y2,
...]``, with ``area`` its area) and ``categories``; each annotation keeps its track in
``attributes`` (``track_id``, ``confidence``) and each image its frame index, time and split."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotation.tracks import TrackRecord, clip_box, clip_polygon


@dataclass
class CocoBuilder:
    """Collects images and their boxes; :meth:`write` writes the JSON once at the end."""

    images: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)

    def add(self, file_name: str, split: str, record: TrackRecord) -> None:
        image_id = len(self.images) + 1
        self.images.append(
            {
                "id": image_id,
                "file_name": file_name,
                "width": record.width,
                "height": record.height,
                "frame": record.frame,
                "pts": record.pts,
                "split": split,
            }
        )
        for track in record.tracks:
            box = clip_box(track.box, record.width, record.height)
            if box is None:
                continue
            self.names.setdefault(track.class_id, track.class_name)
            x1, y1, x2, y2 = box
            w, h = x2 - x1, y2 - y1
            annotation: dict[str, Any] = {
                "id": len(self.annotations) + 1,
                "image_id": image_id,
                "category_id": track.class_id,
                "bbox": [round(x1, 2), round(y1, 2), round(w, 2), round(h, 2)],
                "area": round(w * h, 2),
                "iscrowd": 0,
                "attributes": {
                    "track_id": track.track_id,
                    "confidence": round(track.confidence, 4),
                },
            }
            outline = clip_polygon(track, record.width, record.height)
            if outline is not None:
                annotation["segmentation"] = [[round(v, 2) for point in outline for v in point]]
                annotation["area"] = round(_area(outline), 2)
            self.annotations.append(annotation)

    def write(self, path: Path) -> Path:
        document = {
            "info": {"description": "trackcast dataset export (automatic annotation)"},
            "images": self.images,
            "annotations": self.annotations,
            "categories": [
                {"id": i, "name": name, "supercategory": "object"}
                for i, name in sorted(self.names.items())
            ],
        }
        path.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
        return path


def _area(outline: list[tuple[float, float]]) -> float:
    """A polygon's area (shoelace formula)."""
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    total = sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(outline)))
    return abs(total) / 2

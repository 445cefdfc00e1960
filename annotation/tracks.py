"""The records of a tracks file (``trackcast track --jsonl``), read one at a time.

Only what a dataset needs is kept: the frame's index, time and size, and per track its id, class,
confidence, box in pixels and (from a segmentation model) polygon. See :mod:`outputs.jsonl` for
the format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outputs.jsonl import read_json_lines


@dataclass(frozen=True, slots=True)
class TrackBox:
    track_id: int
    class_id: int
    class_name: str
    confidence: float
    box: tuple[float, float, float, float]
    """x1, y1, x2, y2 in pixels."""
    polygon: tuple[tuple[float, float], ...] | None = None
    """A segmentation model's outline, (x, y) corners in pixels; None for a detection model
    (empty where its mask was empty)."""


@dataclass(frozen=True, slots=True)
class TrackRecord:
    frame: int
    pts: float | None
    width: int
    height: int
    analysed: bool
    tracks: tuple[TrackBox, ...]


def read_records(path: Path) -> Iterator[TrackRecord]:
    """Every record of ``path`` in file order; ValueError naming the line if one is malformed."""
    return read_json_lines(path, _record)


def _record(raw: Any) -> TrackRecord:
    if not isinstance(raw, dict):
        raise ValueError("not a tracks record (a JSON object with frame, pts and tracks)")
    if "width" not in raw or "height" not in raw:
        raise ValueError("no frame width and height: write the tracks again with this trackcast")
    tracks = raw["tracks"]
    if not isinstance(tracks, list):
        raise ValueError("tracks must be a list")
    pts = raw.get("pts")
    return TrackRecord(
        frame=int(raw["frame"]),
        pts=None if pts is None else float(pts),
        width=int(raw["width"]),
        height=int(raw["height"]),
        analysed=bool(raw.get("analysed", True)),
        tracks=tuple(_box(t) for t in tracks),
    )


def _box(raw: dict[str, Any]) -> TrackBox:
    box = [float(v) for v in raw["box"]]
    if len(box) != 4:
        raise ValueError("each box must be [x1, y1, x2, y2]")
    return TrackBox(
        track_id=int(raw["track_id"]),
        class_id=int(raw["class_id"]),
        class_name=str(raw["class_name"]),
        confidence=float(raw["confidence"]),
        box=(box[0], box[1], box[2], box[3]),
        polygon=_polygon(raw.get("polygon")),
    )


def _polygon(raw: Any) -> tuple[tuple[float, float], ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or any(len(point) != 2 for point in raw):
        raise ValueError("a polygon must be a list of [x, y] points")
    return tuple((float(x), float(y)) for x, y in raw)


def clip_polygon(track: TrackBox, width: int, height: int) -> list[tuple[float, float]] | None:
    """The track's outline with its corners moved into the frame; a polygon of fewer than three
    corners (an empty mask) becomes its box's corners. None for a track without a polygon or
    whose box is outside the frame."""
    box = clip_box(track.box, width, height)
    if track.polygon is None or box is None:
        return None
    if len(track.polygon) < 3:
        x1, y1, x2, y2 = box
        return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    return [(min(max(x, 0.0), width), min(max(y, 0.0), height)) for x, y in track.polygon]


WALL_CLOCK_S = 1e8
"""An event time above this (three years) is a wall-clock time, not a position in a video."""


def read_event_times(path: Path) -> list[float]:
    """The sorted ``time`` of every event in an events file (``trackcast analyze --events-out``):
    seconds of the video, as the replay gives them."""
    times = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            times.append(float(json.loads(line)["time"]))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise ValueError(f"{path} line {number}: not an event with a time") from None
    if times and max(times) > WALL_CLOCK_S:
        raise ValueError(
            f"{path}: the event times are wall-clock times (trackcast run), not seconds of the "
            "video: write the events with trackcast analyze --events-out from the same tracks"
        )
    return sorted(times)


def clip_box(
    box: tuple[float, float, float, float], width: int, height: int
) -> tuple[float, float, float, float] | None:
    """The box cut to the frame, or None if nothing of it is inside (a tracker's prediction can
    leave the frame)."""
    x1, y1 = min(max(box[0], 0.0), width), min(max(box[1], 0.0), height)
    x2, y2 = min(max(box[2], 0.0), width), min(max(box[3], 0.0), height)
    if x2 - x1 <= 0 or y2 - y1 <= 0:
        return None
    return (x1, y1, x2, y2)

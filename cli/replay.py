"""Replaying a tracks file through the analytics (``trackcast analyze``), and counting events.

The tracks come from ``trackcast track --jsonl``; the lines and zones from a camera of a normal
trackcast config file. Each record becomes a :class:`FrameResult` again (a black image of the
recorded size, time = ``pts`` or ``frame / --fps``) and goes through the same analysers a live
camera runs, so live and offline counts can be compared. Events are written as JSON Lines without
their random ids, so replaying the same file twice writes the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import supervision as sv

from analytics import Analyser, LineCrossing, TrackLifecycle, ZoneMonitor
from config import CameraConfig
from events import (
    LINE_CROSSED,
    ZONE_ENTERED,
    ZONE_EXITED,
    ZONE_LOITERING,
    Event,
    EventSink,
    Evidence,
)
from outputs.errors import write_error
from outputs.jsonl import read_json_lines
from outputs.records import FrameResult


def pick_camera(
    cameras: Sequence[CameraConfig], camera_id: str | None, *, source: str
) -> CameraConfig:
    """The camera named ``camera_id``, or the only camera of the config."""
    if not cameras:
        raise ValueError(f"{source}: no cameras; add one with the lines and zones to count")
    ids = ", ".join(c.id for c in cameras)
    if camera_id is not None:
        for camera in cameras:
            if camera.id == camera_id:
                return camera
        raise ValueError(f"{source}: no camera {camera_id!r} (cameras: {ids})")
    if len(cameras) != 1:
        raise ValueError(f"{source}: {len(cameras)} cameras ({ids}); choose one with --camera")
    return cameras[0]


def build_analysers(
    camera: CameraConfig, sink: EventSink, lost_timeout_s: float, track_events: bool = False
) -> tuple[Analyser, ...]:
    """The analysers a live camera with an event sink runs, less the heatmap."""
    lifecycle: tuple[Analyser, ...] = (
        (TrackLifecycle(camera.id, sink, lost_timeout_s),) if track_events else ()
    )
    return (
        *lifecycle,
        *(LineCrossing(camera.id, line, sink, lost_timeout_s) for line in camera.lines),
        *(ZoneMonitor(camera.id, zone, sink, lost_timeout_s) for zone in camera.zones),
    )


def replay(frames: Iterator[FrameResult], analysers: Sequence[Analyser]) -> int:
    """Feed every frame to every analyser, then finish them at the last frame's time."""
    count, last = 0, 0.0
    for frame in frames:
        for analyser in analysers:
            analyser.update(frame)
        count, last = count + 1, frame.received_at or 0.0
    for analyser in analysers:
        analyser.finish(last)
    return count


def read_tracks(
    path: Path, camera_id: str, fps: float | None, *, need_size: bool = False
) -> Iterator[FrameResult]:
    """The records of a tracks file as frames; ValueError naming the line if one is malformed.
    ``need_size``: every record must state the frame's width and height."""
    images: dict[tuple[int, int], npt.NDArray[np.uint8]] = {}
    return read_json_lines(path, lambda record: _frame(record, camera_id, fps, need_size, images))


def _frame(
    record: Any,
    camera_id: str,
    fps: float | None,
    need_size: bool,
    images: dict[tuple[int, int], npt.NDArray[np.uint8]],
) -> FrameResult:
    if not isinstance(record, dict):
        raise ValueError("not a tracks record (a JSON object with frame, pts and tracks)")
    index = int(record["frame"])
    pts = record.get("pts")
    if fps is not None:
        at = index / fps
    elif pts is not None:
        at = float(pts)
    else:
        raise ValueError("the record has no pts: pass --fps")
    if need_size and ("width" not in record or "height" not in record):
        raise ValueError(
            "no frame width and height, which normalized geometry needs: write the tracks again "
            "with this trackcast, or give the geometry in pixels"
        )
    width, height = int(record.get("width", 1)), int(record.get("height", 1))
    if width < 1 or height < 1:
        raise ValueError(f"bad frame size {width}x{height}")
    image = images.setdefault((width, height), np.zeros((height, width, 3), dtype=np.uint8))
    tracks = record["tracks"]
    if not isinstance(tracks, list):
        raise ValueError("tracks must be a list")
    return FrameResult(
        index=index,
        pts=None if pts is None else float(pts),
        image=image,
        tracks=_detections(tracks),
        analysed=bool(record.get("analysed", True)),
        camera_id=camera_id,
        received_at=at,
    )


def _detections(tracks: list[dict[str, Any]]) -> sv.Detections:
    xyxy = np.array([[float(v) for v in t["box"]] for t in tracks], dtype=np.float64)
    if xyxy.size and xyxy.shape[1:] != (4,):
        raise ValueError("each box must be [x1, y1, x2, y2]")
    return sv.Detections(
        xyxy=xyxy.reshape(-1, 4),
        confidence=np.array([float(t["confidence"]) for t in tracks], dtype=np.float32),
        class_id=np.array([int(t["class_id"]) for t in tracks], dtype=int),
        tracker_id=np.array([int(t["track_id"]) for t in tracks], dtype=int),
        data={"class_name": np.array([str(t["class_name"]) for t in tracks], dtype=str)},
    )


@dataclass
class Tally:
    """The event sink of a replay: writes each event as a JSON line and counts it."""

    out: IO[str] | None = None
    path: Path | None = None
    events: int = 0
    counts: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    """(event type, region, direction or "", class) → events."""
    dwell_s: dict[str, list[float]] = field(default_factory=dict)

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        self.events += 1
        direction = str(event.data.get("direction", ""))
        self.counts[(event.type, event.region or "", direction, event.class_name or "")] += 1
        if event.type == ZONE_EXITED:
            self.dwell_s.setdefault(event.region or "", []).append(float(event.data["dwell_s"]))
        if self.out is not None:
            try:
                # without the random id, so that replays are reproducible
                self.out.write(json.dumps(event.content(), separators=(",", ":")) + "\n")
            except OSError as error:
                raise write_error(self.path or Path("events"), error) from None

    def close(self) -> None:
        if self.out is not None:
            try:
                self.out.close()
            except OSError as error:
                raise write_error(self.path or Path("events"), error) from None

    def report(self, camera: CameraConfig) -> list[str]:
        """One line per line and per zone of ``camera``: counts by direction and class."""
        lines = []
        for line in camera.lines:
            parts = [
                self._part(direction, LINE_CROSSED, line.name, direction)
                for direction in (line.in_name, line.out_name)
            ]
            lines.append(f"line {line.name}: " + ", ".join(parts))
        for zone in camera.zones:
            parts = [
                self._part(label, kind, zone.name, "")
                for label, kind in (
                    ("entered", ZONE_ENTERED),
                    ("exited", ZONE_EXITED),
                    ("loitering", ZONE_LOITERING),
                )
            ]
            dwell = self.dwell_s.get(zone.name, [])
            if dwell:
                parts.append(f"dwell mean {sum(dwell) / len(dwell):.1f} s, max {max(dwell):.1f} s")
            lines.append(f"zone {zone.name}: " + ", ".join(parts))
        return lines

    def _part(self, label: str, kind: str, region: str, direction: str) -> str:
        per_class = {
            key[3]: n
            for key, n in sorted(self.counts.items())
            if key[:3] == (kind, region, direction)
        }
        total = sum(per_class.values())
        detail = ", ".join(f"{name or 'unknown'} {n}" for name, n in per_class.items())
        return f"{label} {total}" + (f" ({detail})" if detail else "")

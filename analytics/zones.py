"""``zone.entered``, ``zone.exited`` and ``zone.loitering`` for one polygon zone of one camera.

A track is inside when its anchor is in the polygon (edges included). Entering and leaving are
confirmed after ``min_frames`` consecutive frames on the new side, and dated back to the first of
those frames: a visit lasts from the first frame inside to the first frame outside, so its dwell
time is the number of frames inside over the frame rate. A track first seen inside enters then. A
visit that lasts ``loiter_after_s`` raises ``zone.loitering`` once. A track that is lost (unseen
for the tracker's lost timeout) or still inside when the camera stops exits with ``reason``
``lost`` or ``camera stopped``, at the last time it was seen inside. State is freed when a track
ends.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from analytics.base import Analyser
from analytics.geometry import Polygon, Sighting, sightings, to_pixels
from config.geometry import ZoneConfig
from events import ZONE_ENTERED, ZONE_EXITED, ZONE_LOITERING, Event, EventSink, Evidence
from outputs.records import FrameResult


@dataclass(slots=True)
class _Visitor:
    """What a zone knows about one track."""

    track_id: int
    class_name: str
    last_seen: float
    inside: bool | None = None
    """Confirmed: None until the track has been on one side for ``min_frames``."""
    pending: bool | None = None
    pending_frames: int = 0
    pending_since: float = 0.0
    entered_at: float | None = None
    last_inside: float = 0.0
    loitered: bool = False
    evidence: Evidence | None = None
    """The last frame and box it was seen inside in, for the evidence of a lost track's exit."""


class ZoneMonitor(Analyser):
    """Watches ``zone`` on one camera and emits its events to ``sink``."""

    def __init__(
        self, camera_id: str, zone: ZoneConfig, sink: EventSink, lost_timeout_s: float
    ) -> None:
        self.camera_id = camera_id
        self.zone = zone
        self._sink = sink
        self._lost_timeout_s = lost_timeout_s
        self._polygon: Polygon | None = None
        self._frame_size: tuple[int, int] | None = None
        self._visitors: dict[int, _Visitor] = {}
        self._lock = threading.Lock()
        self._finished = False

    def update(self, result: FrameResult) -> None:
        if self._finished or not result.analysed:
            return
        now = result.received_at if result.received_at is not None else time.time()
        polygon = self._polygon_for(result.image)
        seen = sightings(result, self.zone.anchor, self.zone.classes)
        events: list[tuple[Event, Evidence | None]] = []
        with self._lock:
            if self._finished:  # finished while this frame was being prepared
                return
            present = {s.track_id for s in seen}
            for sighting in seen:
                visitor = self._visitors.get(sighting.track_id)
                if visitor is None:
                    visitor = _Visitor(sighting.track_id, sighting.class_name, now)
                    self._visitors[sighting.track_id] = visitor
                inside = polygon.contains(sighting.point)
                for event in self._observe(visitor, sighting, inside, now, result.image):
                    events.append((event, Evidence(result.image, sighting.box)))
            gone = [
                v
                for v in self._visitors.values()
                if v.track_id not in present and now - v.last_seen > self._lost_timeout_s
            ]
            events += [e for e in (self._leave(v, "lost") for v in gone) if e is not None]
        for event, evidence in events:
            self._sink.emit(event, evidence)

    def finish(self, now: float) -> None:
        with self._lock:
            self._finished = True
            left = [self._leave(v, "camera stopped") for v in list(self._visitors.values())]
        events = [e for e in left if e is not None]
        for event, evidence in events:
            self._sink.emit(event, evidence)

    def occupancy(self) -> dict[str, int]:
        """Tracks inside now, per class name (classes with nobody inside are left out)."""
        with self._lock:
            counts: dict[str, int] = {}
            for visitor in self._visitors.values():
                if visitor.inside:
                    counts[visitor.class_name] = counts.get(visitor.class_name, 0) + 1
            return counts

    def tracked(self) -> int:
        """How many tracks hold state (bounded: ended tracks are freed)."""
        with self._lock:
            return len(self._visitors)

    def _polygon_for(self, image: npt.NDArray[np.uint8]) -> Polygon:
        height, width = image.shape[:2]
        if self._polygon is None or self._frame_size != (width, height):
            corners = to_pixels(self.zone.polygon, self.zone.coordinates, width, height)
            self._polygon, self._frame_size = Polygon(corners), (width, height)
        return self._polygon

    def _observe(
        self,
        visitor: _Visitor,
        sighting: Sighting,
        inside: bool,
        now: float,
        image: npt.NDArray[np.uint8],
    ) -> list[Event]:
        visitor.class_name, visitor.last_seen = sighting.class_name, now
        events = []
        if inside == visitor.inside:
            visitor.pending, visitor.pending_frames = None, 0
        else:
            if inside != visitor.pending:
                visitor.pending, visitor.pending_frames, visitor.pending_since = inside, 0, now
            visitor.pending_frames += 1
            if visitor.pending_frames >= self.zone.min_frames:
                events += self._confirm(visitor, inside, now)
        if inside and visitor.entered_at is not None:
            visitor.last_inside, visitor.evidence = now, Evidence(image, sighting.box)
            events += self._loiter(visitor, now)
        return events

    def _confirm(self, visitor: _Visitor, inside: bool, now: float) -> list[Event]:
        was_inside, since = visitor.inside, visitor.pending_since
        visitor.inside, visitor.pending, visitor.pending_frames = inside, None, 0
        if inside:
            visitor.entered_at, visitor.loitered = since, False
            return [self._event(ZONE_ENTERED, visitor, since, {"confirmed_at": now})]
        if was_inside:
            return [self._exit(visitor, since, "left", now)]
        return []

    def _loiter(self, visitor: _Visitor, now: float) -> list[Event]:
        threshold = self.zone.loiter_after_s
        entered_at = visitor.entered_at
        if threshold is None or entered_at is None or visitor.loitered:
            return []
        if now - entered_at < threshold:
            return []
        visitor.loitered = True
        data = {
            "entered_at": entered_at,
            "dwell_s": round(now - entered_at, 3),
            "loiter_after_s": threshold,
        }
        return [self._event(ZONE_LOITERING, visitor, now, data)]

    def _leave(self, visitor: _Visitor, reason: str) -> tuple[Event, Evidence | None] | None:
        """Free a track that is gone; it exits, with its dwell, if it was inside."""
        del self._visitors[visitor.track_id]
        evidence = visitor.evidence
        if not visitor.inside:
            return None
        exited_at = visitor.pending_since if visitor.pending is False else visitor.last_inside
        return self._exit(visitor, exited_at, reason, visitor.last_seen), evidence

    def _exit(self, visitor: _Visitor, exited_at: float, reason: str, now: float) -> Event:
        entered_at = visitor.entered_at if visitor.entered_at is not None else exited_at
        visitor.entered_at, visitor.evidence = None, None
        data = {
            "entered_at": entered_at,
            "exited_at": exited_at,
            "dwell_s": round(exited_at - entered_at, 3),
            "reason": reason,
            "confirmed_at": now,
        }
        return self._event(ZONE_EXITED, visitor, exited_at, data)

    def _event(self, kind: str, visitor: _Visitor, at: float, data: dict[str, Any]) -> Event:
        return Event(
            type=kind,
            camera_id=self.camera_id,
            time=at,
            track_id=visitor.track_id,
            class_name=visitor.class_name,
            region=self.zone.name,
            data={"zone": self.zone.name, **data},
        )

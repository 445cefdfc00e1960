"""``line.crossed`` events and running counts for one counting line of one camera.

Each track has a confirmed side of the line, or none yet. Its anchor (bottom centre of the box by
default) is on a side only when it is at least ``min_distance_px`` from the line and projects onto
the segment (with 5 % of its length to spare at each end); closer to the line it is on neither
side, beyond the ends the track forgets its side. A track's first side is confirmed silently. A
crossing is a change of confirmed side: ``min_frames`` consecutive frames on the new side, so a
track jittering on the line never counts and one that wavers counts once, when it settles.

A track counts at most once per direction within ``dedupe_window_s`` (later crossings in that
window are counted in :attr:`LineCrossing.suppressed` only). When a track vanishes within
``switch_radius_px`` of the line and a new id appears within ``switch_radius_px`` of where it was
last seen, no later than ``switch_window_s`` after, the new id takes over the old one's side,
pending frames, trajectory and dedupe times: an ID switch in the middle of a crossing counts
once. Per-track state is freed when a track has not been seen for the tracker's lost timeout, and
when the camera stops.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from analytics.base import Analyser
from analytics.geometry import Segment, Sighting, sightings, to_pixels
from config.geometry import LineConfig, Point
from events import LINE_CROSSED, Event, EventSink, Evidence
from outputs.records import FrameResult

TRAJECTORY_POINTS = 30
"""Anchor points kept per track, sent with each crossing as the path that caused it."""
EXTENT_MARGIN = 0.05
"""Side changes count this fraction of the line's length beyond either end point."""

LEFT, NONE, RIGHT = -1, 0, 1


@dataclass(slots=True)
class _TrackState:
    """What a line knows about one track."""

    track_id: int
    last_seen: float
    anchor: Point
    side: int = NONE
    """Confirmed side: LEFT or RIGHT of A→B, NONE until confirmed."""
    pending: int = NONE
    pending_frames: int = 0
    pending_since: float = 0.0
    trajectory: deque[tuple[float, float, float]] = field(
        default_factory=lambda: deque(maxlen=TRAJECTORY_POINTS)
    )
    counted_at: dict[int, float] = field(default_factory=dict)
    """Side crossed to → when that crossing happened, for the dedupe window."""
    previous_ids: list[int] = field(default_factory=list)
    """Ids this track took over through ID switches, oldest first."""

    def reset_pending(self) -> None:
        self.pending, self.pending_frames = NONE, 0


class LineCrossing(Analyser):
    """Counts crossings of ``line`` on one camera and emits each to ``sink``."""

    def __init__(
        self, camera_id: str, line: LineConfig, sink: EventSink, lost_timeout_s: float
    ) -> None:
        self.camera_id = camera_id
        self.line = line
        self._sink = sink
        self._lost_timeout_s = lost_timeout_s
        self._segment: Segment | None = None
        self._frame_size: tuple[int, int] | None = None
        self._tracks: dict[int, _TrackState] = {}
        self._totals: dict[str, dict[str, int]] = {line.in_name: {}, line.out_name: {}}
        self._lock = threading.Lock()
        self._finished = False
        self.suppressed = 0
        """Crossings not counted because the same track crossed the same way within the window."""

    def update(self, result: FrameResult) -> None:
        if self._finished or not result.analysed:
            return
        now = result.received_at if result.received_at is not None else time.time()
        segment = self._segment_for(result.image)
        seen = sightings(result, self.line.anchor, self.line.classes)
        crossings: list[tuple[Event, Evidence]] = []
        with self._lock:
            if self._finished:  # finished while this frame was being prepared
                return
            present = {s.track_id for s in seen}
            for sighting in seen:
                track = self._tracks.get(sighting.track_id)
                if track is None:
                    track = self._start(sighting, present, segment, now)
                event = self._observe(track, sighting, segment, now)
                if event is not None:
                    crossings.append((event, Evidence(result.image, sighting.box)))
            self._expire(present, now)
        for event, evidence in crossings:
            self._sink.emit(event, evidence)

    def finish(self, now: float) -> None:
        with self._lock:
            self._finished = True
            self._tracks.clear()

    def counts(self) -> dict[str, dict[str, int]]:
        """Crossings so far: direction name → class name → count (both directions present)."""
        with self._lock:
            return {direction: dict(classes) for direction, classes in self._totals.items()}

    def tracked(self) -> int:
        """How many tracks hold state (bounded: ended tracks are freed)."""
        with self._lock:
            return len(self._tracks)

    def _segment_for(self, image: npt.NDArray[np.uint8]) -> Segment:
        """The line in pixels of this frame; normalized points are resolved on the first frame
        and again if the frame size changes."""
        height, width = image.shape[:2]
        if self._segment is None or self._frame_size != (width, height):
            a, b = to_pixels(self.line.points, self.line.coordinates, width, height)
            self._segment, self._frame_size = Segment(a, b), (width, height)
        return self._segment

    def _start(
        self, sighting: Sighting, present: set[int], segment: Segment, now: float
    ) -> _TrackState:
        """State for a new id: taken over from a track that vanished near the line and near this
        one (an ID switch), or fresh."""
        track = _TrackState(sighting.track_id, now, sighting.point)
        radius = self.line.switch_radius_px
        vanished = [
            t
            for t in self._tracks.values()
            if t.track_id not in present
            and now - t.last_seen <= self.line.switch_window_s
            and math.dist(t.anchor, sighting.point) <= radius
            and abs(segment.signed_distance(t.anchor)) <= radius
        ]
        if vanished:
            old = min(vanished, key=lambda t: math.dist(t.anchor, sighting.point))
            del self._tracks[old.track_id]
            track.side, track.pending = old.side, old.pending
            track.pending_frames, track.pending_since = old.pending_frames, old.pending_since
            track.trajectory, track.counted_at = old.trajectory, old.counted_at
            track.previous_ids = [*old.previous_ids, old.track_id]
        self._tracks[sighting.track_id] = track
        return track

    def _observe(
        self, track: _TrackState, sighting: Sighting, segment: Segment, now: float
    ) -> Event | None:
        x, y = sighting.point
        track.last_seen, track.anchor = now, sighting.point
        track.trajectory.append((now, x, y))
        side = self._side(segment, sighting.point)
        if side is None:  # beyond the ends: walking round the line is no crossing
            track.side = NONE
            track.reset_pending()
            return None
        if side == NONE or side == track.side:
            track.reset_pending()
            return None
        if side != track.pending:
            track.pending, track.pending_frames, track.pending_since = side, 0, now
        track.pending_frames += 1
        if track.pending_frames < self.line.min_frames:
            return None
        previous, crossed_at = track.side, track.pending_since
        track.side = side
        track.reset_pending()
        if previous == NONE:  # the track's first side, not a crossing
            return None
        last = track.counted_at.get(side)
        if last is not None and crossed_at - last < self.line.dedupe_window_s:
            self.suppressed += 1
            return None
        track.counted_at[side] = crossed_at
        return self._crossing(track, sighting, crossed_at, now)

    def _side(self, segment: Segment, point: Point) -> int | None:
        if not segment.within_extent(point, EXTENT_MARGIN * segment.length):
            return None
        distance = segment.signed_distance(point)
        if distance == 0 or abs(distance) < self.line.min_distance_px:
            return NONE
        return RIGHT if distance > 0 else LEFT

    def _crossing(
        self, track: _TrackState, sighting: Sighting, crossed_at: float, now: float
    ) -> Event:
        line = self.line
        direction = line.in_name if track.side == RIGHT else line.out_name
        per_class = self._totals[direction]
        per_class[sighting.class_name] = per_class.get(sighting.class_name, 0) + 1
        x, y = sighting.point
        return Event(
            type=LINE_CROSSED,
            camera_id=self.camera_id,
            time=crossed_at,
            track_id=track.track_id,
            class_name=sighting.class_name,
            region=line.name,
            data={
                "direction": direction,
                "line": line.name,
                "anchor": [round(x, 2), round(y, 2)],
                "trajectory": [
                    [round(t, 3), round(px, 2), round(py, 2)] for t, px, py in track.trajectory
                ],
                "confirmed_at": now,
                "previous_track_ids": list(track.previous_ids),
            },
        )

    def _expire(self, present: set[int], now: float) -> None:
        gone = [
            t.track_id
            for t in self._tracks.values()
            if t.track_id not in present and now - t.last_seen > self._lost_timeout_s
        ]
        for track_id in gone:
            del self._tracks[track_id]

"""trackcast's own tracker: ByteTrack's association with a filter that knows the detection rate.

The association is ByteTrack's (Zhang et al., 2022): high-confidence detections are matched to
tracked and lost tracks by score-weighted IoU against the Kalman prediction, then low-confidence
ones extend the tracks still unmatched, and a new track is confirmed when it is matched again on
the next processed frame. Two changes, each measured in ``bench/tracker_quality.py`` against
ultralytics' ByteTrack and BoT-SORT with tuned thresholds, on held-out seeds:

* **Process noise follows the detection interval** (:mod:`tracking.kalman`). ultralytics' filter
  assumes one video frame between updates; when detection runs on every 5th frame, people turn
  and change pace five times as much between updates, its predictions are over-confident, and
  tracks break or swap where they meet. Scaling the noise with the interval removes most of
  those ID switches at 5 fps. The interval is measured between frame timestamps when the caller
  passes them (``update(..., timestamp=)``; the runtime passes each frame's pts), so a camera
  whose analysis slows down under load, or skips frames, still gets the right filter and a lost
  timeout in real seconds; without timestamps it is ``1 / frame_rate``.
* **Smoothed output boxes** (``smooth_boxes``, on by default): the filtered box instead of the
  raw detection, which is steadier for overlays and line crossings and closer to the object.

Between updates, :meth:`TrackcastTracker.predict` moves the shown tracks along their filter's
velocity to the frame's time, so frames a stride skips get boxes that follow the people
(``bench/stride_quality.py`` measures what that is worth against repeating the last boxes).

Tried on tuning seeds and dropped, because the numbers did not support them: re-association of
lost tracks by buffered IoU against their last observed box (it lets lost tracks pick up false
positives and passers-by), a matching cascade that serves recently seen tracks first, and
OC-SORT's re-update of the filter along a virtual path after a gap (no measurable change).

Everything is plain numpy on boxes; ``image`` is ignored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import supervision as sv

from tracking.base import Image, Tracker, unmoved
from tracking.kalman import BoxFilter, BoxState, FloatArray
from tracking.matching import IntArray, assign, iou
from tracking.options import TrackerOptions

REFERENCE_FPS = 25.0
"""Frame rate at which one Kalman step is one frame; slower processing takes longer steps."""
LOW_MATCH_COST = 0.5
"""Low-confidence detections extend a track only with IoU of at least 0.5 (ByteTrack)."""
TENTATIVE_MATCH_COST = 0.7
"""A tentative track is confirmed by a detection with IoU of at least 0.3 (ByteTrack)."""
CLOCK_TOLERANCE_S = 1e-6
"""Rounding allowance when the clock is compared with the lost timeout."""


class Status(enum.Enum):
    TENTATIVE = "tentative"
    TRACKED = "tracked"
    LOST = "lost"


@dataclass(slots=True, eq=False)
class _Track:
    state: BoxState
    last_seen: float
    """Tracker clock (seconds) at the last matched detection."""
    status: Status = Status.TENTATIVE
    track_id: int = 0
    """0 until the track is confirmed."""
    detection: int = -1
    """Index of this frame's detection matched to the track, -1 when none."""


class TrackcastTracker(Tracker):
    """ByteTrack association over a Kalman filter whose noise follows the detection interval."""

    def __init__(self, options: TrackerOptions) -> None:
        self.options = options
        self._filter = BoxFilter()
        self._interval = 1.0 / options.frame_rate
        self._nominal_step = max(1.0, REFERENCE_FPS / options.frame_rate)
        self._timeout = options.lost_timeout_frames * self._interval + CLOCK_TOLERANCE_S
        self.reset()

    def reset(self) -> None:
        self._shown: sv.Detections | None = None
        """What the last update returned."""
        self._tracks: list[_Track] = []
        self._updates = 0
        self._clock = 0.0
        self._last_timestamp: float | None = None
        self._next_id = 1

    def update(
        self,
        detections: sv.Detections,
        image: Image | None = None,
        timestamp: float | None = None,
    ) -> sv.Detections:
        step = self._advance(timestamp)
        self._expire_after_gap()
        boxes = detections.xyxy.astype(np.float64).reshape(-1, 4)
        scores = (
            detections.confidence.astype(np.float64)
            if detections.confidence is not None
            else np.ones(len(boxes))
        )
        for track in self._tracks:
            self._filter.predict(track.state, step)
            track.detection = -1
        o = self.options
        high = np.flatnonzero(scores >= o.high_thresh)
        low = np.flatnonzero((scores > o.low_thresh) & (scores < o.high_thresh))

        confirmed = [t for t in self._tracks if t.status is not Status.TENTATIVE]
        unmatched, high = self._match(confirmed, high, boxes, scores, o.match_thresh)
        tracked = [t for t in unmatched if t.status is Status.TRACKED]
        self._match(tracked, low, boxes, None, LOW_MATCH_COST)
        tentative = [t for t in self._tracks if t.status is Status.TENTATIVE]
        _, high = self._match(tentative, high, boxes, scores, TENTATIVE_MATCH_COST)

        self._age()
        for index in high[scores[high] >= o.new_track_thresh]:
            self._start(boxes[index], int(index))
        self._shown = self._output(detections)
        return self._shown

    def predict(self, timestamp: float | None = None) -> sv.Detections:
        """The tracks the last update showed, their filtered boxes moved on to ``timestamp``.

        Each box moves at its filter's velocity (constant-velocity prediction, the same model
        ``update`` uses) over the time since the last update, in the same units as the filter
        steps (:data:`REFERENCE_FPS` steps a second). Without a timestamp here or at the last
        update, or with one that is not later, the elapsed time is zero: the boxes are those of
        the last update. They are always the filter's boxes, whatever ``smooth_boxes`` says: with
        it off, a skipped frame has no detection to report, and the filter's estimate is the
        better one. The tracks' states are copied, never changed.
        """
        tracks = unmoved(self._shown)
        shown = self._shown_tracks()
        step = self._elapsed_steps(timestamp)
        states = [t.state.copy() for t in shown]
        if step > 0:
            for state in states:
                self._filter.predict(state, step)
        if shown:
            tracks.xyxy = _state_boxes(states).astype(tracks.xyxy.dtype)
        return tracks

    def _elapsed_steps(self, timestamp: float | None) -> float:
        """Filter steps from the last update to ``timestamp``; 0 when unknown or not later."""
        last = self._last_timestamp
        if timestamp is None or last is None:
            return 0.0
        return max(0.0, (timestamp - last) * REFERENCE_FPS)

    def _advance(self, timestamp: float | None) -> float:
        """Move the clock to this frame; return the Kalman step since the previous one.

        Without timestamps every update is ``1 / frame_rate`` apart. With them, the real gap
        counts, so a camera whose analysis slowed down (an overloaded detector, a stalled
        stream) gets a filter that expects people to have moved further. A timestamp that goes
        back (a stream that looped or reconnected) counts as the nominal interval.
        """
        self._updates += 1
        last, self._last_timestamp = self._last_timestamp, timestamp
        if timestamp is None or last is None or timestamp <= last:
            self._clock += self._interval
            return self._nominal_step
        self._clock += timestamp - last
        return max(1.0, (timestamp - last) * REFERENCE_FPS)

    def _expire_after_gap(self) -> None:
        """End tracks whose lost timeout passed during a gap between frames (a stalled stream).

        Frame by frame, :meth:`_age` ends them; this only acts when timestamps jump, so a
        track is never re-found after more than ``lost_timeout_s`` of real time.
        """
        limit = self._timeout + self._interval
        self._tracks = [t for t in self._tracks if self._clock - t.last_seen <= limit]

    def _match(
        self,
        tracks: list[_Track],
        candidates: IntArray,
        boxes: FloatArray,
        scores: FloatArray | None,
        max_cost: float,
    ) -> tuple[list[_Track], IntArray]:
        """Match ``tracks`` to the detections ``candidates`` by (score-weighted) IoU.

        Returns the tracks left unmatched and the candidates left unmatched.
        """
        similarity = iou(_boxes(tracks), boxes[candidates])
        if scores is not None:
            similarity = similarity * scores[candidates][None, :]
        pairs, free_tracks, free = assign(1.0 - similarity, max_cost)
        for row, column in pairs:
            self._observe(tracks[row], boxes[candidates[column]], int(candidates[column]))
        return [tracks[i] for i in free_tracks], candidates[free]

    def _observe(self, track: _Track, xyxy: FloatArray, index: int) -> None:
        self._filter.update(track.state, _xcycwh(xyxy))
        track.last_seen = self._clock
        track.detection = index
        if track.status is Status.TENTATIVE:
            self._confirm(track)
        track.status = Status.TRACKED

    def _confirm(self, track: _Track) -> None:
        track.status = Status.TRACKED
        track.track_id = self._next_id
        self._next_id += 1

    def _age(self) -> None:
        """Unmatched tracks become lost; lost ones past the timeout and tentative ones end."""
        kept = []
        for track in self._tracks:
            if track.detection >= 0:
                kept.append(track)
            elif track.status is Status.TRACKED:
                track.status = Status.LOST
                kept.append(track)
            elif track.status is Status.LOST and self._clock - track.last_seen <= self._timeout:
                kept.append(track)
        self._tracks = kept

    def _start(self, xyxy: FloatArray, index: int) -> None:
        """A tentative track; on the first frame of the stream, a confirmed one (ByteTrack)."""
        track = _Track(self._filter.initiate(_xcycwh(xyxy)), self._clock, detection=index)
        if self._updates == 1:
            self._confirm(track)
        self._tracks.append(track)

    def _shown_tracks(self) -> list[_Track]:
        """The tracks the last update reported: confirmed and matched on its frame, in order."""
        return [t for t in self._tracks if t.status is Status.TRACKED and t.detection >= 0]

    def _output(self, detections: sv.Detections) -> sv.Detections:
        shown = self._shown_tracks()
        tracked = detections[np.array([t.detection for t in shown], dtype=int)]
        assert isinstance(tracked, sv.Detections)
        tracked.tracker_id = np.array([t.track_id for t in shown], dtype=int)
        if self.options.smooth_boxes and shown:
            tracked.xyxy = _boxes(shown).astype(tracked.xyxy.dtype)
        return tracked


def _boxes(tracks: list[_Track]) -> FloatArray:
    """The tracks' filtered boxes, corners format, shape ``(n, 4)``."""
    return _state_boxes([t.state for t in tracks])


def _state_boxes(states: list[BoxState]) -> FloatArray:
    centres = np.array([s.xcycwh for s in states], dtype=np.float64).reshape(-1, 4)
    return np.asarray(sv.xcycwh_to_xyxy(centres), dtype=np.float64)


def _xcycwh(xyxy: FloatArray) -> FloatArray:
    return np.concatenate([(xyxy[:2] + xyxy[2:]) / 2, xyxy[2:] - xyxy[:2]])

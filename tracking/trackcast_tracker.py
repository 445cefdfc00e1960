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
  timeout in real seconds; without timestamps it is ``1 / frame_rate``. The noise grows like a
  random walk (variance in proportion to the interval), and the detector's jitter is taken to
  be larger than the motion's, so the filter averages boxes out: 2.5 HOTA on average over the
  synthetic presets and rates against ByteTrack's noise weights, 2 to 4 on steady movers.
* **Smoothed output boxes** (``smooth_boxes``, on by default): the filtered box instead of the
  raw detection, which is steadier for overlays and line crossings and closer to the object.

Four more, for surveillance rates (5-10 fps) and occlusions, measured on the harder scenes of
``evaluation.synthetic`` (runners and cyclists, vehicles, groups, occluders, edges, crowds):

* **Births know the detection interval.** A tentative track is confirmed by a detection that
  overlaps it (ByteTrack's IoU 0.3) *or* lies within a radius that grows with the time since its
  first detection: :data:`BIRTH_RADIUS` of its size plus what :data:`TOP_SPEED` covers in that
  time, for a detection of about the same size, score-weighted like the other stages. Before,
  anyone moving more than about a third of their height between detections (a runner at 5 fps)
  was never confirmed. A slow birth close to a track lost moments ago must still overlap: it is
  most likely that person, re-found by the overlap stages, and gets no new id by distance
  (without this, ids per minute on vtest.avi rose by 15 % at full rate).
* **A fast start sets the velocity.** When the confirming detection is more than
  :data:`FAST_START` of the box size away from the first, the track's velocity is the
  displacement over the time between the two, instead of the filter's cautious update from zero,
  so the third detection is looked for where the mover went.
* **Overlaps weighed by the stream's own confidence scale** (:mod:`tracking.score_scale`).
  ByteTrack multiplies each overlap by the detection's score, which assumes a detector whose
  clear detections score near 1; the offline person model scores them 0.3 to 0.6, and tracks
  broke all the time. A detector whose confident scores (the 90th percentile of recent ones)
  sit below 0.9 has them lifted to 0.9 before they weigh the overlaps; births keep the raw
  score. The synthetic detector scores clear people about 0.95, so the synthetic benchmark is
  unchanged; on vtest.avi ids per minute and hand-overs fell by a quarter to three quarters.
* **Coasting** (``coast_s``, 0.3 s by default): a confirmed track seen at least
  :data:`COAST_MIN_HITS` times and missed for up to ``coast_s`` is still reported, at its
  predicted box, with its last detection's class, confidence and data. People hidden for a
  moment (behind someone, a pillar, a missed detection) keep their box and their id on the
  overlay and in the counts instead of blinking out.

Between updates, :meth:`TrackcastTracker.predict` moves the shown tracks along their filter's
velocity to the frame's time, so frames a stride skips get boxes that follow the people
(``bench/stride_quality.py`` measures what that is worth against repeating the last boxes).

Tried on tuning seeds and dropped, because the numbers did not support them: re-association of
lost tracks by buffered IoU against their last observed box (it lets lost tracks pick up false
positives and passers-by), a matching cascade that serves recently seen tracks first,
OC-SORT's re-update of the filter along a virtual path after a gap (no measurable change), a
motion-gated (Mahalanobis) stage that recovers confirmed tracks the IoU stages missed (lost
tracks grabbed newcomers; limited to just-missed young tracks it gained 0.4 HOTA on runners and
lost as much on walkers and groups), the same reachable-distance gate for tracks lost up to 1 s
(fewer hand-overs on vtest.avi, but in crowds lost tracks took newcomers' detections: -10 HOTA),
holding back every birth near a lost track (runners passing a lost walker: -6 HOTA at 5 fps),
and always taking the velocity from the first two observations (noisy at 25 fps, where the
filter's update is better).

Everything is plain numpy on boxes; ``image`` is ignored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import supervision as sv

from tracking.base import Image, Tracker, moved, unmoved
from tracking.kalman import BoxFilter, BoxState, FloatArray
from tracking.matching import IntArray, assign, iou
from tracking.options import TrackerOptions
from tracking.score_scale import ScoreScale

REFERENCE_FPS = 25.0
"""Frame rate at which one Kalman step is one frame; slower processing takes longer steps."""
LOW_MATCH_COST = 0.5
"""Low-confidence detections extend a track only with IoU of at least 0.5 (ByteTrack)."""
TENTATIVE_MATCH_COST = 0.7
"""A tentative track is confirmed by a detection with IoU of at least 0.3 (ByteTrack)."""
BIRTH_RADIUS = 0.3
"""A tentative track is confirmed by a detection this close, in box sizes, plus what
:data:`TOP_SPEED` covers in the time since its first detection."""
TOP_SPEED = 6.0
"""Fastest mover a new track is confirmed for, in box sizes per second: a cyclist crossing near
the camera (at 5 fps, a jump of 1.2 box sizes between detections)."""
BIRTH_SIZE_CHANGE = 1.5
"""Largest height ratio between a tentative track and its confirming detection."""
RECENTLY_LOST_S = 1.0
"""Confirmed tracks missed for at most this long (plus one interval) contest slow births."""
CONTESTED_RADIUS = 2.0
"""A birth this close to such a track, in its box sizes, is contested."""
SLOW_BIRTH = 0.3
"""A contested birth that moved less than this, in box sizes, must overlap (IoU) to confirm."""
FAST_START = 0.15
"""A confirming detection further than this from the first, in box sizes, sets the velocity."""
COAST_MIN_HITS = 3
"""Detections a track needs before it is reported while missed (coasting)."""
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
    hits: int = 1
    """Detections matched to the track so far."""
    born: float = 0.0
    """Tracker clock at the first detection."""
    first: FloatArray | None = None
    """Centre and size of the first detection, until the track is confirmed."""
    source: sv.Detections | None = None
    """The input of the last frame whose detection matched the track (the row to report while
    coasting is ``source[row]``)."""
    row: int = -1


class TrackcastTracker(Tracker):
    """ByteTrack association over a Kalman filter whose noise follows the detection interval."""

    def __init__(self, options: TrackerOptions) -> None:
        self.options = options
        self._filter = BoxFilter()
        self._interval = 1.0 / options.frame_rate
        self._nominal_step = max(1.0, REFERENCE_FPS / options.frame_rate)
        self._timeout = options.lost_timeout_frames * self._interval + CLOCK_TOLERANCE_S
        self._coast = min(options.coast_s, options.lost_timeout_s) + CLOCK_TOLERANCE_S
        self.reset()

    def reset(self) -> None:
        self._shown: sv.Detections | None = None
        """What the last update returned."""
        self._tracks: list[_Track] = []
        self._updates = 0
        self._clock = 0.0
        self._last_timestamp: float | None = None
        self._restarted_at = -np.inf
        """Clock at the last frame whose timestamp went back (the stream looped or restarted)."""
        self._next_id = 1
        self._score_scale = ScoreScale()

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
        self._filter.predict_all([t.state for t in self._tracks], step)
        for track in self._tracks:
            track.detection = -1
        o = self.options
        high = np.flatnonzero(scores >= o.high_thresh)
        low = np.flatnonzero((scores > o.low_thresh) & (scores < o.high_thresh))
        self._score_scale.observe(scores[high])
        weights = self._score_scale.weights(scores)

        confirmed = [t for t in self._tracks if t.status is not Status.TENTATIVE]
        unmatched, high = self._match(confirmed, high, boxes, weights, o.match_thresh)
        tracked = [t for t in unmatched if t.status is Status.TRACKED]
        self._match(tracked, low, boxes, None, LOW_MATCH_COST)
        tentative = [t for t in self._tracks if t.status is Status.TENTATIVE]
        lost = self._interval + RECENTLY_LOST_S + CLOCK_TOLERANCE_S
        missed = [t for t in unmatched if t.detection < 0 and self._clock - t.last_seen <= lost]
        high = self._confirm_births(tentative, high, boxes, scores, missed)

        self._age()
        for index in high[scores[high] >= o.new_track_thresh]:
            self._start(boxes[index], int(index))
        for track in self._tracks:
            if track.detection >= 0:
                track.source, track.row = detections, track.detection
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
            self._filter.predict_all(states, step)
        if shown:
            tracks = moved(tracks, _state_boxes(states))
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
        back (a stream that looped or reconnected) counts as the nominal interval, and the tracks
        seen before it no longer coast: where the filter predicts them means nothing after a
        jump in the video (they can still be re-found where they are seen again).
        """
        self._updates += 1
        last, self._last_timestamp = self._last_timestamp, timestamp
        if timestamp is None or last is None or timestamp <= last:
            self._clock += self._interval
            if timestamp is not None and last is not None and timestamp < last:
                self._restarted_at = self._clock
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
        weights: FloatArray | None,
        max_cost: float,
    ) -> tuple[list[_Track], IntArray]:
        """Match ``tracks`` to the detections ``candidates`` by IoU, times the detections'
        ``weights`` (their scores, lifted by :class:`ScoreScale`) when given.

        Returns the tracks left unmatched and the candidates left unmatched.
        """
        similarity = iou(_boxes(tracks), boxes[candidates])
        if weights is not None:
            similarity = similarity * weights[candidates][None, :]
        pairs, free_tracks, free = assign(1.0 - similarity, max_cost)
        self._observe([tracks[row] for row in pairs[:, 0]], boxes, candidates[pairs[:, 1]])
        return [tracks[i] for i in free_tracks], candidates[free]

    def _confirm_births(
        self,
        tracks: list[_Track],
        candidates: IntArray,
        boxes: FloatArray,
        scores: FloatArray,
        missed: list[_Track],
    ) -> IntArray:
        """Match tentative tracks to the detections left, by overlap or by a reachable distance;
        return the candidates left unmatched (which may start tracks).

        The cost of a pair is the lower of ``1 - IoU`` and the centre distance over the radius
        the track could have moved (:data:`BIRTH_RADIUS` plus :data:`TOP_SPEED` times the time
        since its first detection, in sizes: the larger side of its box), then weighted by the
        detection's own score (not lifted by :class:`ScoreScale`: a detector that is unsure of
        everything starts tracks cautiously). Pairs whose heights differ by more than
        :data:`BIRTH_SIZE_CHANGE` never match. A slow pair (a step under :data:`SLOW_BIRTH`)
        within :data:`CONTESTED_RADIUS` of a track in ``missed`` (confirmed tracks missed for at
        most :data:`RECENTLY_LOST_S`) must overlap: it is most likely that track's person, whom
        the overlap stages may still re-find, so it gets no new id by distance.
        """
        if not tracks or len(candidates) == 0:
            return candidates
        here = np.array([t.state.xcycwh for t in tracks])
        there = _xcycwh(boxes[candidates])
        elapsed = np.array([self._clock - t.born for t in tracks])
        size = np.maximum(here[:, 2], here[:, 3])
        radius = size * (BIRTH_RADIUS + TOP_SPEED * elapsed)
        distance = np.linalg.norm(here[:, None, :2] - there[None, :, :2], axis=2)
        reachable = distance / radius[:, None]
        if missed:
            slow = distance < SLOW_BIRTH * size[:, None]
            reachable[slow & _near(there, missed)[None, :]] = np.inf
        cost = np.minimum(reachable, 1.0 - iou(_boxes(tracks), boxes[candidates]))
        cost = 1.0 - (1.0 - np.minimum(cost, 1.0)) * scores[candidates][None, :]
        resized = np.abs(np.log(there[None, :, 3] / here[:, None, 3])) > np.log(BIRTH_SIZE_CHANGE)
        cost[resized] = np.inf
        pairs, _, free = assign(cost, TENTATIVE_MATCH_COST)
        self._observe([tracks[row] for row in pairs[:, 0]], boxes, candidates[pairs[:, 1]])
        return candidates[free]

    def _observe(self, tracks: list[_Track], boxes: FloatArray, indices: IntArray) -> None:
        """Correct each track with its matched detection ``boxes[indices[i]]``."""
        measured = _xcycwh(boxes[indices])
        filtered = np.ones(len(tracks), dtype=bool)
        for i, (track, box) in enumerate(zip(tracks, measured, strict=True)):
            if track.status is Status.TENTATIVE and self._fast_start(track, box):
                assert track.first is not None
                steps = max(1.0, (self._clock - track.born) * REFERENCE_FPS)
                track.state = self._filter.initiate(box)
                track.state.mean[4:] = (box - track.first) / steps
                filtered[i] = False
        states = [t.state for t, f in zip(tracks, filtered, strict=True) if f]
        self._filter.update_all(states, measured[filtered])
        for track, index in zip(tracks, indices, strict=True):
            track.last_seen = self._clock
            track.detection = int(index)
            track.hits += 1
            if track.status is Status.TENTATIVE:
                self._confirm(track)
            track.status = Status.TRACKED

    @staticmethod
    def _fast_start(track: _Track, measured: FloatArray) -> bool:
        """Whether the confirming detection is far enough from the first to trust the step."""
        first = track.first
        if first is None:
            return False
        return bool(np.linalg.norm(measured[:2] - first[:2]) > FAST_START * max(first[2:]))

    def _confirm(self, track: _Track) -> None:
        track.first = None
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
        measured = _xcycwh(xyxy.reshape(1, 4))[0]
        track = _Track(
            self._filter.initiate(measured),
            self._clock,
            detection=index,
            born=self._clock,
            first=measured,
        )
        if self._updates == 1:
            self._confirm(track)
        self._tracks.append(track)

    def _coasting(self, track: _Track) -> bool:
        return (
            track.status is Status.LOST
            and track.hits >= COAST_MIN_HITS
            and self._clock - track.last_seen <= self._coast
            and track.last_seen >= self._restarted_at
        )

    def _shown_tracks(self) -> list[_Track]:
        """The tracks the last update reported, in order: confirmed and matched on its frame,
        then those coasting."""
        matched = [t for t in self._tracks if t.status is Status.TRACKED and t.detection >= 0]
        return matched + [t for t in self._tracks if self._coasting(t)]

    def _output(self, detections: sv.Detections) -> sv.Detections:
        """One row per shown track: its detection on this frame, or for a coasting track the
        detection that last matched it, at the predicted box."""
        shown = self._shown_tracks()
        coasting = [t for t in shown if t.detection < 0]
        tracked = detections[np.array([t.detection for t in shown if t.detection >= 0], dtype=int)]
        assert isinstance(tracked, sv.Detections)
        if coasting:
            rows = [_row(t) for t in coasting]
            tracked = sv.Detections.merge([tracked, *rows] if len(tracked) else rows)
        tracked.tracker_id = np.array([t.track_id for t in shown], dtype=int)
        if self.options.smooth_boxes and shown:
            tracked.xyxy = _boxes(shown).astype(tracked.xyxy.dtype)
        elif coasting:
            tracked.xyxy[len(shown) - len(coasting) :] = _boxes(coasting)
        return tracked


def _near(centres: FloatArray, tracks: list[_Track]) -> npt.NDArray[np.bool_]:
    """Which of the boxes ``centres`` (centre and size rows) lie within
    :data:`CONTESTED_RADIUS` box sizes of one of ``tracks``."""
    theirs = np.array([t.state.xcycwh for t in tracks])
    radius = CONTESTED_RADIUS * np.maximum(theirs[:, 2], theirs[:, 3])
    gap = np.linalg.norm(centres[:, None, :2] - theirs[None, :, :2], axis=2)
    return np.asarray((gap < radius[None, :]).any(axis=1))


def _row(track: _Track) -> sv.Detections:
    """The detection that last matched ``track``, as a one-row ``Detections``."""
    assert track.source is not None
    row = track.source[track.row : track.row + 1]
    assert isinstance(row, sv.Detections)
    return row


def _boxes(tracks: list[_Track]) -> FloatArray:
    """The tracks' filtered boxes, corners format, shape ``(n, 4)``."""
    return _state_boxes([t.state for t in tracks])


def _state_boxes(states: list[BoxState]) -> FloatArray:
    centres = np.array([s.xcycwh for s in states], dtype=np.float64).reshape(-1, 4)
    return np.asarray(sv.xcycwh_to_xyxy(centres), dtype=np.float64)


def _xcycwh(xyxy: FloatArray) -> FloatArray:
    """Centres and sizes of corner boxes, shape ``(n, 4)``."""
    xyxy = xyxy.reshape(-1, 4)
    return np.concatenate([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], axis=1)

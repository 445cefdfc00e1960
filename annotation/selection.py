"""Which frames of a video become dataset images: every N seconds, at events, on a scene change,
never a near-duplicate of the last kept frame; and which frames a person should review.

A frame's *signature* is its grey image shrunk to :data:`SIGNATURE_WIDTH` pixels wide; two frames
differ by the mean absolute difference of their signatures, in grey levels (0 to 255). Shrinking
first makes the difference about the scene, not about sensor noise or compression.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from annotation.tracks import TrackRecord

SIGNATURE_WIDTH = 64

Signature = npt.NDArray[np.float32]


class SampleReason(enum.StrEnum):
    INTERVAL = "interval"
    EVENT = "event"
    SCENE_CHANGE = "scene_change"


class ReviewReason(enum.StrEnum):
    LOW_CONFIDENCE = "low_confidence"
    NEW_TRACK = "new_track"


@dataclass(frozen=True, slots=True)
class SelectionOptions:
    every_s: float | None = 2.0
    """A frame at least this long after the last kept one is kept; None: no interval."""
    event_times: tuple[float, ...] = ()
    """Seconds of the video, sorted: the frame nearest each is kept (see
    :meth:`FrameSelector.sample`)."""
    scene_change: float | None = None
    """A frame that differs from the last kept one by at least this many grey levels is kept."""
    duplicate_below: float = 1.0
    """A frame chosen by any rule is skipped if it differs from the last kept one by less."""
    review_confidence: float | None = None
    """Frames with a box below this confidence go to review; None: no confidence review."""
    review_new_tracks: bool = False
    """Frames where a track id is first seen go to review."""

    def __post_init__(self) -> None:
        if self.every_s is not None and self.every_s <= 0:
            raise ValueError(f"the interval must be positive, got {self.every_s} s")
        if self.scene_change is not None and self.scene_change <= 0:
            raise ValueError(f"the scene change must be positive, got {self.scene_change}")
        if self.duplicate_below < 0:
            raise ValueError(f"the duplicate threshold must be >= 0, got {self.duplicate_below}")
        if self.review_confidence is not None and not 0 < self.review_confidence <= 1:
            raise ValueError(f"the review confidence must be in (0, 1]: {self.review_confidence}")

    @property
    def reviews(self) -> bool:
        return self.review_confidence is not None or self.review_new_tracks


def signature(image: npt.NDArray[np.uint8]) -> Signature:
    """The frame (BGR) as a small grey image, float32."""
    height, width = image.shape[:2]
    size = (SIGNATURE_WIDTH, max(1, round(height * SIGNATURE_WIDTH / width)))
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return small.astype(np.float32)


def difference(a: Signature, b: Signature) -> float:
    """Mean absolute difference of two signatures, in grey levels."""
    return float(np.mean(np.abs(a - b)))


@dataclass(slots=True)
class FrameSelector:
    """Decides, frame after frame in time order, which to keep; counts the duplicates skipped."""

    options: SelectionOptions
    duplicates: int = 0
    _last_time: float | None = None
    _last: Signature | None = None
    _next_event: int = 0
    _previous_time: float | None = None
    _seen_tracks: set[int] = field(default_factory=set)
    _flagged_low: set[int] = field(default_factory=set)

    def sample(self, time: float, frame: Signature) -> SampleReason | None:
        """Why this frame is kept, or None.

        An event is at the first frame whose time, plus half the interval since the frame
        before, is at or after it: the frame nearest the event at a steady frame rate. A camera
        stamps an event with the time its frame was decoded, a little after the frame's time in
        the video, so the first frame at or after the event would be the next one."""
        reasons = [r for r in self._reasons(time, frame)]
        self._previous_time = time
        if not reasons:
            return None
        if self._last is not None and difference(frame, self._last) < self.options.duplicate_below:
            self.duplicates += 1
            return None
        self._last_time, self._last = time, frame
        return reasons[0]

    def _reasons(self, time: float, frame: Signature) -> Iterable[SampleReason]:
        every = self.options.every_s
        if every is not None and (self._last_time is None or time - self._last_time >= every):
            yield SampleReason.INTERVAL
        events = self.options.event_times
        passed = self._next_event
        reach = time if self._previous_time is None else time + (time - self._previous_time) / 2
        while self._next_event < len(events) and events[self._next_event] <= reach:
            self._next_event += 1
        if self._next_event > passed:
            yield SampleReason.EVENT
        threshold = self.options.scene_change
        if threshold is not None and (
            self._last is None or difference(frame, self._last) >= threshold
        ):
            yield SampleReason.SCENE_CHANGE

    def review(self, record: TrackRecord, frame: Signature) -> tuple[ReviewReason, ...]:
        """Why this frame should be reviewed by a person, if at all: a track id seen for the
        first time, or the first frame where a track's confidence is below the threshold (each
        track is reviewed once for it, not on every uncertain frame)."""
        ids = {t.track_id for t in record.tracks}
        new = bool(ids - self._seen_tracks)
        self._seen_tracks |= ids
        threshold = self.options.review_confidence
        low = (
            {t.track_id for t in record.tracks if t.confidence < threshold}
            if threshold is not None
            else set()
        )
        reasons = []
        if low - self._flagged_low:
            reasons.append(ReviewReason.LOW_CONFIDENCE)
        if self.options.review_new_tracks and new:
            reasons.append(ReviewReason.NEW_TRACK)
        self._flagged_low |= low
        return tuple(reasons)

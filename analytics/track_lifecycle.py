"""``track.started`` and ``track.ended`` events from a camera's tracked frames.

A track starts on the first frame its id appears. It ends when its id has not been seen for the
tracker's lost timeout (the tracker could still have re-found it until then); the end event's
time is the last time it was seen. Stopping the camera ends every open track. State is freed as
soon as a track ends.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from analytics.base import Analyser
from events import TRACK_ENDED, TRACK_STARTED, Event, EventSink, Evidence
from outputs.records import FrameResult

Box = tuple[float, float, float, float]


@dataclass(slots=True)
class ActiveTrack:
    """What is known about a live track."""

    track_id: int
    class_name: str
    first_seen: float
    last_seen: float
    first_box: Box
    last_box: Box
    confidence: float
    frames: int = 1
    classes: Counter[str] = field(default_factory=Counter)
    last_image: npt.NDArray[np.uint8] | None = None

    def main_class(self) -> str:
        return self.classes.most_common(1)[0][0] if self.classes else self.class_name


class TrackLifecycle(Analyser):
    """Emits ``track.started`` and ``track.ended`` for one camera to ``sink``."""

    def __init__(self, camera_id: str, sink: EventSink, lost_timeout_s: float) -> None:
        self.camera_id = camera_id
        self._sink = sink
        self._lost_timeout_s = lost_timeout_s
        self._tracks: dict[int, ActiveTrack] = {}
        self._lock = threading.Lock()
        self._finished = False

    def update(self, result: FrameResult) -> None:
        if self._finished:  # a frame still in flight when the camera stopped
            return
        now = result.received_at if result.received_at is not None else time.time()
        seen: set[int] = set()
        for obj in result.objects():
            track_id = obj["track_id"]
            if track_id < 0:
                continue
            seen.add(track_id)
            self._observe(track_id, obj, now, result.image)
        expired = [
            t
            for t in self._snapshot()
            if t.track_id not in seen and now - t.last_seen > self._lost_timeout_s
        ]
        for track in expired:
            self._end(track, reason="lost")

    def finish(self, now: float) -> None:
        self._finished = True
        for track in self._snapshot():
            self._end(track, reason="camera stopped")

    def active(self) -> list[ActiveTrack]:
        """The camera's open tracks (a copy, safe to read from any thread)."""
        return self._snapshot()

    def _snapshot(self) -> list[ActiveTrack]:
        with self._lock:
            return list(self._tracks.values())

    def _observe(
        self, track_id: int, obj: dict[str, Any], now: float, image: npt.NDArray[np.uint8]
    ) -> None:
        box = as_box(obj["box"])
        class_name = str(obj["class_name"])
        confidence = float(obj["confidence"])
        with self._lock:
            track = self._tracks.get(track_id)
            if track is None:
                track = ActiveTrack(track_id, class_name, now, now, box, box, confidence)
                self._tracks[track_id] = track
                started = True
            else:
                track.last_seen, track.last_box = now, box
                track.frames += 1
                started = False
            track.classes[class_name] += 1
            track.last_image = image
        if started:
            self._sink.emit(
                Event(
                    type=TRACK_STARTED,
                    camera_id=self.camera_id,
                    time=now,
                    track_id=track_id,
                    class_name=class_name,
                    data={"box": list(box), "confidence": confidence},
                ),
                Evidence(image, box),
            )

    def _end(self, track: ActiveTrack, reason: str) -> None:
        with self._lock:
            if self._tracks.pop(track.track_id, None) is None:
                return
        image, track.last_image = track.last_image, None
        self._sink.emit(
            track_ended(self.camera_id, track, reason),
            Evidence(image, track.last_box) if image is not None else None,
        )


def track_ended(
    camera_id: str, track: ActiveTrack, reason: str, **extra: str | float | int
) -> Event:
    """The ``track.ended`` event of ``track`` (``extra`` keys join its data)."""
    return Event(
        type=TRACK_ENDED,
        camera_id=camera_id,
        time=track.last_seen,
        track_id=track.track_id,
        class_name=track.main_class(),
        data={
            "first_seen": track.first_seen,
            "last_seen": track.last_seen,
            "duration_s": round(track.last_seen - track.first_seen, 3),
            "frames": track.frames,
            "first_box": list(track.first_box),
            "last_box": list(track.last_box),
            "reason": reason,
            **extra,
        },
    )


def as_box(value: list[float]) -> Box:
    """An ``[x1, y1, x2, y2]`` list (as events store boxes) as a box."""
    x1, y1, x2, y2 = (float(v) for v in value)
    return (x1, y1, x2, y2)

"""track.started / track.ended from hand-built tracked frames with known timings."""

from __future__ import annotations

import numpy as np
import supervision as sv

from analytics import TrackLifecycle
from events import TRACK_ENDED, TRACK_STARTED, Event, Evidence
from outputs import FrameResult

IMAGE = np.zeros((120, 160, 3), dtype=np.uint8)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[Event, Evidence | None]] = []

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        self.events.append((event, evidence))

    def types(self) -> list[tuple[str, int | None]]:
        return [(e.type, e.track_id) for e, _ in self.events]


def _frame(at: float, *tracks: tuple[int, float]) -> FrameResult:
    """Tracks given as (track id, x); boxes are 10x10 at (x, 20)."""
    xyxy = np.array([[x, 20, x + 10, 30] for _, x in tracks], dtype=np.float32).reshape(-1, 4)
    detections = sv.Detections(
        xyxy=xyxy,
        confidence=np.full(len(tracks), 0.8, dtype=np.float32),
        class_id=np.zeros(len(tracks), dtype=int),
        tracker_id=np.array([t for t, _ in tracks], dtype=int),
        data={"class_name": np.array(["person"] * len(tracks))},
    )
    return FrameResult(0, None, IMAGE, detections, camera_id="cam", received_at=at)


def test_a_track_starts_once_and_ends_after_the_lost_timeout() -> None:
    sink = Recorder()
    lifecycle = TrackLifecycle("cam", sink, lost_timeout_s=1.0)
    for i in range(10):  # track 7 moves for 1 s at 10 fps
        lifecycle.update(_frame(100 + i / 10, (7, 10 + i)))
    assert sink.types() == [(TRACK_STARTED, 7)]
    lifecycle.update(_frame(100.9 + 1.0))  # exactly the timeout after the last sighting: open
    assert len(lifecycle.active()) == 1
    lifecycle.update(_frame(100.9 + 1.05))
    assert sink.types() == [(TRACK_STARTED, 7), (TRACK_ENDED, 7)]
    assert lifecycle.active() == []

    started, evidence = sink.events[0]
    assert started.camera_id == "cam" and started.class_name == "person"
    assert evidence is not None and evidence.box == (10, 20, 20, 30)
    ended = sink.events[1][0]
    assert ended.time == 100.9
    assert ended.data["duration_s"] == 0.9 and ended.data["frames"] == 10
    assert ended.data["first_box"] == [10, 20, 20, 30] and ended.data["last_box"] == [
        19,
        20,
        29,
        30,
    ]
    assert ended.data["reason"] == "lost"
    assert started.id != ended.id


def test_a_track_seen_again_within_the_timeout_continues() -> None:
    sink = Recorder()
    lifecycle = TrackLifecycle("cam", sink, lost_timeout_s=1.0)
    lifecycle.update(_frame(0.0, (1, 0)))
    lifecycle.update(_frame(0.8))  # gone for 0.8 s: still open
    lifecycle.update(_frame(0.9, (1, 5)))
    lifecycle.update(_frame(1.5, (1, 6)))
    assert sink.types() == [(TRACK_STARTED, 1)]
    assert lifecycle.active()[0].frames == 3


def test_finish_ends_every_open_track_and_ignores_later_frames() -> None:
    sink = Recorder()
    lifecycle = TrackLifecycle("cam", sink, lost_timeout_s=5.0)
    lifecycle.update(_frame(0.0, (1, 0), (2, 50)))
    lifecycle.finish(now=1.0)
    lifecycle.update(_frame(1.1, (3, 0)))  # in flight when the camera stopped
    assert sorted(sink.types()) == [
        (TRACK_ENDED, 1), (TRACK_ENDED, 2), (TRACK_STARTED, 1), (TRACK_STARTED, 2)
    ]  # fmt: skip
    assert {e.data["reason"] for e, _ in sink.events if e.type == TRACK_ENDED} == {"camera stopped"}


def test_untracked_boxes_make_no_events() -> None:
    sink = Recorder()
    lifecycle = TrackLifecycle("cam", sink, lost_timeout_s=1.0)
    lifecycle.update(_frame(0.0, (-1, 0)))
    assert sink.events == []

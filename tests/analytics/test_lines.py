"""line.crossed from hand-built trajectories with exact ground truth.

The line runs from (0, 100) to (200, 100), left to right: "in" is walking down the picture
(y growing), "out" walking up. Frames come at 10 fps from t = 1000 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pytest
import supervision as sv

from analytics import LineCrossing
from config import LineConfig
from events import LINE_CROSSED, Event, Evidence
from outputs import FrameResult

IMAGE = np.zeros((200, 400, 3), dtype=np.uint8)
FPS = 10
T0 = 1000.0

Sighting = tuple[int, float, float] | tuple[int, float, float, str]
"""(track id, x, y[, class]): the box's bottom centre is at (x, y)."""


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[Event, Evidence | None]] = []

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        self.events.append((event, evidence))

    def crossings(self) -> list[tuple[int | None, str]]:
        return [(e.track_id, e.data["direction"]) for e, _ in self.events]


def frame(i: int, *tracks: Sighting) -> FrameResult:
    xyxy = np.array([[t[1] - 5, t[2] - 20, t[1] + 5, t[2]] for t in tracks], dtype=np.float32)
    names = [t[3] if len(t) == 4 else "person" for t in tracks]
    detections = sv.Detections(
        xyxy=xyxy.reshape(-1, 4),
        confidence=np.full(len(tracks), 0.9, dtype=np.float32),
        class_id=np.zeros(len(tracks), dtype=int),
        tracker_id=np.array([t[0] for t in tracks], dtype=int),
        data={"class_name": np.array(names, dtype=str)},
    )
    return FrameResult(i, i / FPS, IMAGE, detections, camera_id="cam", received_at=T0 + i / FPS)


def line(**changes: object) -> LineConfig:
    return LineConfig.model_validate({"name": "door", "points": [[0, 100], [200, 100]], **changes})


def run(
    ys: Iterable[float | None], config: LineConfig | None = None, track_id: int = 1
) -> tuple[LineCrossing, Recorder]:
    """One track at x = 50 with the given y per frame (None: not in that frame)."""
    sink = Recorder()
    crossing = LineCrossing("cam", config or line(), sink, lost_timeout_s=5.0)
    for i, y in enumerate(ys):
        crossing.update(frame(i) if y is None else frame(i, (track_id, 50, y)))
    return crossing, sink


def jitter(n: int, amplitude: float) -> list[float]:
    return [100 + (amplitude if i % 2 else -amplitude) for i in range(n)]


def test_jitter_on_the_line_alone_never_counts() -> None:
    _, sink = run(jitter(30, 3))
    assert sink.events == []
    _, sink = run([80] * 5 + jitter(30, 3) + [80] * 5)  # comes, hesitates, goes back
    assert sink.events == []


def test_oscillating_then_crossing_counts_exactly_once() -> None:
    crossing, sink = run([80] * 5 + jitter(30, 3) + [120] * 5)
    assert sink.crossings() == [(1, "in")]
    assert crossing.counts() == {"in": {"person": 1}, "out": {}}
    event = sink.events[0][0]
    assert event.time == pytest.approx(T0 + 3.5)  # the first frame beyond the hysteresis band


def test_wavering_beyond_the_band_needs_min_frames_in_a_row() -> None:
    alternating = jitter(30, 8)  # 8 px each side of the line, a new side every frame
    in_pairs = [100 + (8 if (i // 2) % 2 else -8) for i in range(30)]  # two frames a side
    _, sink = run([80] * 5 + alternating + [80] * 3)
    assert sink.events == []
    _, sink = run([80] * 5 + in_pairs + [80] * 3)
    assert sink.events == []
    _, sink = run([80] * 5 + in_pairs + [120] * 3)
    assert sink.crossings() == [(1, "in")]


def test_crossing_and_coming_back_counts_one_in_and_one_out() -> None:
    crossing, sink = run([70, 80, 90, 100, 110, 120, 130, 130, 120, 110, 100, 90, 80, 70, 70])
    assert sink.crossings() == [(1, "in"), (1, "out")]
    assert crossing.counts() == {"in": {"person": 1}, "out": {"person": 1}}

    event, evidence = sink.events[0]
    assert (event.type, event.region, event.camera_id, event.class_name) == (
        LINE_CROSSED, "door", "cam", "person"
    )  # fmt: skip
    assert event.time == pytest.approx(T0 + 0.4)  # y = 110: first frame beyond the band
    assert event.data["confirmed_at"] == pytest.approx(T0 + 0.6)  # third frame below
    assert event.data["direction"] == "in" and event.data["line"] == "door"
    assert event.data["anchor"] == [50, 130]
    trajectory = event.data["trajectory"]
    assert [p[2] for p in trajectory] == [70, 80, 90, 100, 110, 120, 130]
    assert trajectory[-1] == [round(T0 + 0.6, 3), 50, 130]
    assert evidence is not None and evidence.box == (45, 110, 55, 130)
    assert evidence.image is IMAGE
    assert sink.events[1][0].time == pytest.approx(T0 + 1.1)  # y = 90


def test_the_side_of_in_follows_the_drawing_direction_and_names() -> None:
    upward = line(points=[[200, 100], [0, 100]], in_name="enter", out_name="leave")
    _, sink = run([70, 80, 90, 110, 120, 130], upward)
    assert sink.crossings() == [(1, "leave")]


def test_one_count_per_track_and_direction_within_the_dedupe_window() -> None:
    back_and_forth = [80] * 3 + [120] * 3 + [80] * 3 + [120] * 3  # in, out, in within 1.2 s
    crossing, sink = run(back_and_forth + [80] * 30 + [120] * 3)  # out again, in 4 s later
    assert sink.crossings() == [(1, "in"), (1, "out"), (1, "in")]
    assert crossing.suppressed == 2  # the second "in" (at 0.9 s) and "out" (at 1.2 s)
    assert [e.time - T0 for e, _ in sink.events] == pytest.approx([0.3, 0.6, 4.2])


def test_an_id_switch_mid_crossing_counts_once() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(), sink, lost_timeout_s=5.0)
    path_a = [70, 80, 90, 100, 108]  # A reaches the far side, then the tracker loses it
    for i, y in enumerate(path_a):
        crossing.update(frame(i, (1, 50, y)))
    for i, y in enumerate([110, 115, 120, 125, 130], start=len(path_a)):  # B, 2 px from A
        crossing.update(frame(i, (2, 50, y)))
    assert sink.crossings() == [(2, "in")]
    event = sink.events[0][0]
    assert event.data["previous_track_ids"] == [1]
    assert event.time == pytest.approx(T0 + 0.4)  # when A first stood beyond the band
    assert [p[2] for p in event.data["trajectory"]] == [70, 80, 90, 100, 108, 110, 115]


def test_an_id_switch_after_the_crossing_does_not_count_again() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(), sink, lost_timeout_s=5.0)
    for i, y in enumerate([80, 80, 80, 110, 115, 120, 122]):
        crossing.update(frame(i, (1, 50, y)))
    for i, y in enumerate([124, 126, 128, 130], start=7):
        crossing.update(frame(i, (2, 50, y)))
    assert sink.crossings() == [(1, "in")]


def test_a_new_track_far_from_the_vanished_one_starts_afresh() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(switch_radius_px=25), sink, lost_timeout_s=5.0)
    for i, y in enumerate([70, 80, 90, 100, 108]):
        crossing.update(frame(i, (1, 50, y)))
    for i, y in enumerate([110, 115, 120, 125], start=5):
        crossing.update(frame(i, (2, 150, y)))  # 100 px away: another person
    assert sink.events == []


def test_only_tracks_that_vanish_near_the_line_are_taken_over() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(switch_radius_px=25), sink, lost_timeout_s=5.0)
    for i in range(3):
        crossing.update(frame(i, (1, 50, 20)))  # 80 px from the line
    for i, y in enumerate([22, 22, 22, 60, 90, 110, 120, 130], start=3):
        crossing.update(frame(i, (2, 50, y)))
    assert sink.crossings() == [(2, "in")]
    assert sink.events[0][0].data["previous_track_ids"] == []


def test_a_late_new_track_does_not_take_over() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(switch_window_s=1.0), sink, lost_timeout_s=5.0)
    for i, y in enumerate([70, 80, 90, 100, 108]):
        crossing.update(frame(i, (1, 50, y)))
    for i in range(5, 17):
        crossing.update(frame(i))  # 1.2 s with nobody
    for i, y in enumerate([110, 115, 120], start=17):
        crossing.update(frame(i, (2, 50, y)))
    assert sink.events == []


def test_walking_round_the_end_of_the_line_is_no_crossing() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(), sink, lost_timeout_s=5.0)
    path = (
        [(50, 80)] * 3
        + [(150, 80), (250, 80), (250, 100), (250, 120), (150, 120)]
        + [(50, 120)] * 3
    )
    for i, (x, y) in enumerate(path):
        crossing.update(frame(i, (1, x, y)))
    assert sink.events == []


def test_classes_are_filtered_and_counted_apart() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(), sink, lost_timeout_s=5.0)
    for i, y in enumerate([80, 80, 80, 120, 120, 120]):
        crossing.update(frame(i, (1, 40, y, "person"), (2, 80, y, "car"), (3, 120, y, "person")))
    assert crossing.counts() == {"in": {"person": 2, "car": 1}, "out": {}}
    cars = LineCrossing("cam", line(classes=["car"]), sink, lost_timeout_s=5.0)
    for i, y in enumerate([80, 80, 80, 120, 120, 120]):
        cars.update(frame(i, (1, 40, y, "person"), (2, 80, y, "car")))
    assert cars.counts() == {"in": {"car": 1}, "out": {}}


def test_normalized_lines_are_resolved_from_the_first_frame() -> None:
    # IMAGE is 400 x 200: y = 0.5 is pixel row 100, as for the pixel line.
    halfway = line(coordinates="normalized", points=[[0, 0.5], [0.5, 0.5]])
    _, sink = run([70, 80, 90, 110, 120, 130], halfway)
    assert sink.crossings() == [(1, "in")]


def _come_and_go(crossing: LineCrossing, tracks: int, per_frame: int = 5) -> int:
    """``tracks`` tracks, ``per_frame`` at a time, each crossing down in 6 frames; returns the
    next frame index."""
    i = 0
    for first in range(0, tracks, per_frame):
        ids = range(first + 1, first + 1 + per_frame)
        for y in (80, 80, 80, 120, 120, 120):
            crossing.update(frame(i, *((t, 30 * (t % per_frame) + 20, y) for t in ids)))
            i += 1
    return i


def test_state_of_ended_tracks_is_freed() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(), sink, lost_timeout_s=0.5)
    end = _come_and_go(crossing, tracks=1000)
    assert crossing.counts() == {"in": {"person": 1000}, "out": {}}
    assert crossing.tracked() <= 5 * 7  # only the last half second's tracks
    crossing.update(frame(end + 10))
    assert crossing.tracked() == 0
    _come_and_go(crossing, tracks=10)
    crossing.finish(T0 + 1e4)
    assert crossing.tracked() == 0


def test_finish_ignores_frames_still_in_flight() -> None:
    crossing, sink = run([80, 80, 80])
    crossing.finish(T0 + 1)
    for i, y in enumerate([120, 120, 120], start=3):
        crossing.update(frame(i, (1, 50, y)))
    assert sink.events == [] and crossing.tracked() == 0


def test_stride_held_frames_are_ignored() -> None:
    sink = Recorder()
    crossing = LineCrossing("cam", line(), sink, lost_timeout_s=5.0)
    held: Sequence[FrameResult] = [
        FrameResult(i, None, IMAGE, frame(i, (1, 50, 120)).tracks, analysed=False) for i in range(3)
    ]
    for i, y in enumerate([80, 80, 80]):
        crossing.update(frame(i, (1, 50, y)))
    for result in held:
        crossing.update(result)
    assert sink.events == []

"""zone.entered, zone.exited and zone.loitering from hand-built tracks with exact ground truth.

The zone is the square from (100, 100) to (200, 200); a track's box has its bottom centre at the
given point. Frames come at 10 fps from t = 1000 s.
"""

from __future__ import annotations

import pytest

from analytics import ZoneMonitor
from config import ZoneConfig
from events import ZONE_ENTERED, ZONE_EXITED, ZONE_LOITERING
from tests.analytics.test_lines import FPS, T0, Recorder, frame

INSIDE, OUTSIDE = (150.0, 150.0), (50.0, 150.0)


def zone(**changes: object) -> ZoneConfig:
    square = [[100, 100], [200, 100], [200, 200], [100, 200]]
    return ZoneConfig.model_validate({"name": "till", "polygon": square, **changes})


def monitor(config: ZoneConfig | None = None, lost_timeout_s: float = 5.0) -> ZoneMonitor:
    return ZoneMonitor("cam", config or zone(), Recorder(), lost_timeout_s)


def sink_of(zone_monitor: ZoneMonitor) -> Recorder:
    sink = zone_monitor._sink
    assert isinstance(sink, Recorder)
    return sink


def walk(zone_monitor: ZoneMonitor, places: list[tuple[float, float]], start: int = 0) -> int:
    """Track 1 at ``places``, one per frame from frame ``start``; returns the next frame."""
    for i, (x, y) in enumerate(places, start=start):
        zone_monitor.update(frame(i, (1, x, y)))
    return start + len(places)


def kinds(zone_monitor: ZoneMonitor) -> list[str]:
    return [e.type for e, _ in sink_of(zone_monitor).events]


def test_dwell_is_the_frames_inside_over_the_frame_rate() -> None:
    till = monitor()
    walk(till, [OUTSIDE] * 5 + [INSIDE] * 35 + [OUTSIDE] * 5)
    assert kinds(till) == [ZONE_ENTERED, ZONE_EXITED]
    (entered, evidence), (exited, _) = sink_of(till).events
    assert entered.time == pytest.approx(T0 + 0.5) and entered.region == "till"
    assert entered.data["confirmed_at"] == pytest.approx(T0 + 0.6)  # min_frames = 2
    assert evidence is not None and evidence.box == (145, 130, 155, 150)
    assert exited.time == pytest.approx(T0 + 4.0)
    assert exited.data["dwell_s"] == 35 / FPS
    assert exited.data["reason"] == "left" and exited.data["zone"] == "till"
    assert exited.data["entered_at"] == pytest.approx(T0 + 0.5)


def test_blips_shorter_than_min_frames_change_nothing() -> None:
    till = monitor(zone(min_frames=3))
    walk(till, [OUTSIDE] * 3 + [INSIDE] * 2 + [OUTSIDE] * 3)  # two frames in: not an entry
    assert kinds(till) == []
    walk(till, [INSIDE] * 10 + [OUTSIDE] * 2 + [INSIDE] * 10 + [OUTSIDE] * 3, start=8)
    assert kinds(till) == [ZONE_ENTERED, ZONE_EXITED]
    assert sink_of(till).events[1][0].data["dwell_s"] == 22 / FPS


def test_the_polygon_edge_is_inside() -> None:
    till = monitor()
    walk(till, [(100.0, 150.0)] * 3)
    assert kinds(till) == [ZONE_ENTERED]


def test_loitering_fires_once_per_visit_that_lasts_long_enough() -> None:
    till = monitor(zone(loiter_after_s=2.0))
    end = walk(till, [OUTSIDE] * 3 + [INSIDE] * 50 + [OUTSIDE] * 3)  # a 5 s visit
    end = walk(till, [INSIDE] * 15 + [OUTSIDE] * 3, start=end)  # 1.5 s: no loitering
    walk(till, [INSIDE] * 30 + [OUTSIDE] * 3, start=end)  # 3 s: loitering again
    assert kinds(till) == [
        ZONE_ENTERED, ZONE_LOITERING, ZONE_EXITED,
        ZONE_ENTERED, ZONE_EXITED,
        ZONE_ENTERED, ZONE_LOITERING, ZONE_EXITED,
    ]  # fmt: skip
    loitering = sink_of(till).events[1][0]
    assert loitering.time == pytest.approx(T0 + 0.3 + 2.0)
    assert loitering.data["dwell_s"] == 2.0 and loitering.data["loiter_after_s"] == 2.0


def test_occupancy_counts_the_tracks_inside_per_class() -> None:
    till = monitor()
    people = [(1, 150.0, 150.0), (2, 120.0, 180.0), (4, 20.0, 20.0)]
    for i in range(3):
        till.update(frame(i, *people, (3, 180.0, 110.0, "car")))
    assert till.occupancy() == {"person": 2, "car": 1}
    for i in range(3, 6):
        till.update(frame(i, (1, 50.0, 150.0), (2, 120.0, 180.0), (3, 180.0, 110.0, "car")))
    assert till.occupancy() == {"person": 1, "car": 1}
    assert [e.track_id for e, _ in sink_of(till).events if e.type == ZONE_EXITED] == [1]


def test_a_track_lost_inside_exits_with_its_dwell() -> None:
    till = monitor(lost_timeout_s=1.0)
    end = walk(till, [INSIDE] * 20)  # first seen inside: it enters then
    for i in range(end, end + 9):
        till.update(frame(i))
    assert kinds(till) == [ZONE_ENTERED]  # 0.9 s unseen: the tracker may still find it
    till.update(frame(end + 11))
    assert kinds(till) == [ZONE_ENTERED, ZONE_EXITED]
    exited, evidence = sink_of(till).events[1]
    assert exited.data["reason"] == "lost"
    assert exited.time == pytest.approx(T0 + 1.9)  # last seen inside
    assert exited.data["dwell_s"] == 1.9
    assert evidence is not None and evidence.box == (145, 130, 155, 150)
    assert till.tracked() == 0 and till.occupancy() == {}


def test_finish_closes_open_visits_only() -> None:
    till = monitor()
    for i in range(4):
        till.update(frame(i, (1, *INSIDE), (2, *OUTSIDE)))
    till.finish(T0 + 10)
    assert [(e.type, e.track_id, e.data.get("reason")) for e, _ in sink_of(till).events] == [
        (ZONE_ENTERED, 1, None),
        (ZONE_EXITED, 1, "camera stopped"),
    ]
    assert sink_of(till).events[1][0].data["dwell_s"] == 0.3
    till.update(frame(5, (3, *INSIDE)))
    till.update(frame(6, (3, *INSIDE)))
    assert len(sink_of(till).events) == 2 and till.tracked() == 0


def test_class_filter() -> None:
    cars_only = monitor(zone(classes=["car"]))
    for i in range(3):
        cars_only.update(frame(i, (1, *INSIDE), (2, 160.0, 160.0, "car")))
    assert cars_only.occupancy() == {"car": 1}
    assert [e.track_id for e, _ in sink_of(cars_only).events] == [2]


def test_normalized_polygons_are_resolved_from_the_first_frame() -> None:
    # The frames are 400 x 200: this is the pixel square of the other tests.
    square = [[0.25, 0.5], [0.5, 0.5], [0.5, 1.0], [0.25, 1.0]]
    till = monitor(zone(coordinates="normalized", polygon=square))
    walk(till, [OUTSIDE] * 2 + [INSIDE] * 4 + [OUTSIDE] * 2)
    assert kinds(till) == [ZONE_ENTERED, ZONE_EXITED]


def test_state_of_ended_tracks_is_freed() -> None:
    till = monitor(lost_timeout_s=0.5)
    i = 0
    for first in range(1, 1001, 5):  # 1000 visitors, five at a time, each in then out
        ids = range(first, first + 5)
        for place in [INSIDE] * 3 + [OUTSIDE] * 3:
            till.update(frame(i, *((t, place[0] + t % 5, place[1]) for t in ids)))
            i += 1
    assert till.tracked() <= 5 * 7
    till.update(frame(i + 10))
    assert till.tracked() == 0 and till.occupancy() == {}
    events = sink_of(till).events
    assert sum(e.type == ZONE_ENTERED for e, _ in events) == 1000
    assert sum(e.type == ZONE_EXITED for e, _ in events) == 1000

"""Crossing and zone events summed into 1-minute buckets."""

from __future__ import annotations

from analytics import CountBuckets, CountRow
from events import LINE_CROSSED, TRACK_STARTED, ZONE_ENTERED, ZONE_EXITED, ZONE_LOITERING, Event


def crossing(at: float, direction: str, class_name: str = "person") -> Event:
    return Event(
        type=LINE_CROSSED,
        camera_id="cam",
        time=at,
        track_id=1,
        class_name=class_name,
        region="door",
        data={"direction": direction},
    )


def test_events_are_counted_per_minute_region_direction_and_class() -> None:
    buckets = CountBuckets()
    for at in (120.0, 150.5, 179.99):
        assert buckets.add(crossing(at, "in"))
    buckets.add(crossing(180.0, "in"))  # the next minute
    buckets.add(crossing(121.0, "out"))
    buckets.add(crossing(122.0, "in", "car"))
    zone_event = Event(type=ZONE_ENTERED, camera_id="cam", time=61.0, region="till")
    buckets.emit(zone_event)
    buckets.add(Event(type=ZONE_EXITED, camera_id="cam", time=65.0, class_name="person",
                      region="till"))  # fmt: skip
    assert not buckets.add(Event(type=ZONE_LOITERING, camera_id="cam", time=66.0, region="till"))
    assert not buckets.add(Event(type=TRACK_STARTED, camera_id="cam", time=66.0))
    assert buckets.drain() == [
        CountRow("cam", "door", "line", "in", "car", 120, 1),
        CountRow("cam", "door", "line", "in", "person", 120, 3),
        CountRow("cam", "door", "line", "in", "person", 180, 1),
        CountRow("cam", "door", "line", "out", "person", 120, 1),
        CountRow("cam", "till", "zone", "entered", "", 60, 1),
        CountRow("cam", "till", "zone", "exited", "person", 60, 1),
    ]
    assert buckets.drain() == []


def test_bucket_starts_are_multiples_of_sixty_seconds_since_the_epoch() -> None:
    buckets = CountBuckets()
    buckets.add(crossing(1_764_000_059.9, "in"))
    (row,) = buckets.drain()
    assert row.bucket_start == 1_764_000_000 and row.bucket_start % 60 == 0

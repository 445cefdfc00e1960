"""Counts: 1-minute buckets written with their events, summed into coarser intervals."""

from __future__ import annotations

from pathlib import Path

from events import LINE_CROSSED, ZONE_ENTERED, Event
from storage import CountQuery, EventStore, EventWriter, ThumbnailStore

DAY = 86_400


def _crossing(at: float, direction: str, class_name: str = "person") -> Event:
    return Event(type=LINE_CROSSED, camera_id="door", time=at, region="entry",
                 class_name=class_name, data={"direction": direction})  # fmt: skip


def test_counts_survive_and_aggregate(store: EventStore, tmp_path: Path) -> None:
    writer = EventWriter(store, ThumbnailStore(tmp_path), batch_size=7, flush_interval_s=0.05)
    writer.start()
    base = 100 * DAY  # midnight UTC
    times = [base + 5, base + 30, base + 65, base + 16 * 60, base + 3600 + 1, base + DAY + 2]
    for at in times:
        writer.emit(_crossing(at, "in"))
    writer.emit(_crossing(base + 10, "out"))
    writer.emit(_crossing(base + 11, "in", class_name="bicycle"))
    writer.emit(Event(type=ZONE_ENTERED, camera_id="door", time=base + 12, region="till",
                      class_name="person"))  # fmt: skip
    writer.emit(Event(type="track.started", camera_id="door", time=base))  # not a count
    assert writer.stop(timeout_s=30)

    def totals(interval: int, **fields: object) -> list[tuple[int, str, str, str, int]]:
        query = CountQuery(interval_s=interval, **fields)  # type: ignore[arg-type]
        return [(r.bucket_start - base, r.region, r.direction, r.class_name, r.count)
                for r in store.counts(query)]  # fmt: skip

    person_in = {"kinds": ("line",), "class_names": ("person",)}
    assert [t for t in totals(60, **person_in) if t[2] == "in"] == [
        (0, "entry", "in", "person", 2), (60, "entry", "in", "person", 1),
        (960, "entry", "in", "person", 1), (3600, "entry", "in", "person", 1),
        (DAY, "entry", "in", "person", 1),
    ]  # fmt: skip
    assert [t for t in totals(900, **person_in) if t[2] == "in"][:2] == [
        (0, "entry", "in", "person", 3), (900, "entry", "in", "person", 1)
    ]  # fmt: skip
    assert [t for t in totals(DAY, **person_in)] == [
        (0, "entry", "in", "person", 5), (0, "entry", "out", "person", 1),
        (DAY, "entry", "in", "person", 1),
    ]  # fmt: skip
    assert totals(DAY, kinds=("zone",)) == [(0, "till", "entered", "person", 1)]
    assert totals(DAY, class_names=("bicycle",)) == [(0, "entry", "in", "bicycle", 1)]
    assert totals(60, since=base + 3600, until=base + DAY, **person_in) == [
        (3600, "entry", "in", "person", 1)
    ]

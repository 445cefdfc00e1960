"""EventStore on SQLite and PostgreSQL: inserts, every filter, cursors, retention, dead letters."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time

import numpy as np
import pytest
import sqlalchemy as sa

from events import Event
from storage import DeadLetter, EventQuery, EventStore
from storage.event_store import Deleted


def _event(n: int, camera: str = "a", type_: str = "track.started", **fields: object) -> Event:
    return Event(
        type=type_, camera_id=camera, time=1000.0 + n, track_id=n,
        class_name=str(fields.pop("class_name", "person")), data={"n": n, "box": [1.5, 2, 3, 4]},
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def test_insert_numbers_events_in_order_and_reads_them_back(store: EventStore) -> None:
    events = [_event(n) for n in range(5)]
    stored = store.insert([(e, f"a/{e.id}.jpg" if n % 2 else None) for n, e in enumerate(events)])
    seqs = [s.seq for s in stored]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    assert store.latest_seq() == seqs[-1]
    back = store.query(EventQuery(limit=10))
    assert [s.event for s in back] == events  # every field survives the round trip
    assert [s.thumbnail for s in back] == [None, f"a/{events[1].id}.jpg", None,
                                           f"a/{events[3].id}.jpg", None]  # fmt: skip
    assert store.get(events[2].id) == back[2]
    assert store.get("missing") is None
    assert store.insert([]) == []


def test_every_filter(store: EventStore) -> None:
    events = [
        _event(1, "a", "track.started"),
        _event(2, "b", "track.ended", class_name="car"),
        _event(3, "a", "line.crossed", region="door"),
        _event(4, "b", "zone.entered", region="till"),
    ]
    store.insert([(event, None) for event in events])

    def ns(**fields: object) -> list[int]:
        query = EventQuery(**fields)  # type: ignore[arg-type]
        found = [s.event.data["n"] for s in store.query(query)]
        if "limit" not in fields:  # the live feeds' test agrees with the database's
            assert found == [e.data["n"] for e in events if query.matches(e)], fields
        return found

    assert ns() == [1, 2, 3, 4]
    assert ns(camera_ids=("a",)) == [1, 3]
    assert ns(types=("track.ended", "zone.entered")) == [2, 4]
    assert ns(class_names=("car",)) == [2]
    assert ns(regions=("door", "till")) == [3, 4]
    assert ns(since=1002.0, until=1004.0) == [2, 3]
    assert ns(descending=True, limit=2) == [4, 3]
    assert store.count() == 4 and store.count(EventQuery(camera_ids=("b",))) == 2


def test_a_cursor_walks_every_event_exactly_once(store: EventStore) -> None:
    store.insert([(_event(n), None) for n in range(23)])
    walked: list[int] = []
    after = 0
    while page := store.query(EventQuery(after_seq=after, limit=5)):
        walked += [s.event.data["n"] for s in page]
        after = page[-1].seq
    assert walked == list(range(23))
    last = store.latest_seq()
    assert [s.event.data["n"] for s in store.query(EventQuery(before_seq=last - 20))] == [0, 1]


def test_delete_before_returns_the_count_and_thumbnails(store: EventStore) -> None:
    store.insert([(_event(n), f"a/{n}.jpg" if n < 2 else None) for n in range(5)])
    deleted = store.delete_before(1003.0)
    assert deleted.count == 3 and sorted(deleted.thumbnails) == ["a/0.jpg", "a/1.jpg"]
    assert [s.event.data["n"] for s in store.query(EventQuery())] == [3, 4]


def test_dead_letters(store: EventStore) -> None:
    letter = DeadLetter(None, "e1", 7, "http://h/hook", 5, "HTTP 500", 123.5, {"id": "e1"})
    first = store.add_dead_letter(letter)
    second = store.add_dead_letter(letter)
    assert second > first
    assert [d.id for d in store.dead_letters()] == [first, second]
    assert store.dead_letters(after_id=first)[0].id == second
    fetched = store.get_dead_letter(first)
    assert fetched is not None and fetched.payload == {"id": "e1"} and fetched.attempts == 5
    assert store.delete_dead_letter(first) and not store.delete_dead_letter(first)
    assert store.get_dead_letter(first) is None


def test_filters_combine_with_the_cursor_both_ways(store: EventStore) -> None:
    store.insert([(_event(n, "a" if n % 2 else "b"), None) for n in range(20)])
    query = EventQuery(camera_ids=("a",), since=1004.0, until=1016.0, limit=2)
    walked: list[int] = []
    cursor: int | None = None
    while page := store.query(dataclasses.replace(query, after_seq=cursor)):
        walked += [s.event.data["n"] for s in page]
        cursor = page[-1].seq
    assert walked == [5, 7, 9, 11, 13, 15]
    backwards: list[int] = []
    cursor = None
    while page := store.query(dataclasses.replace(query, before_seq=cursor, descending=True)):
        backwards += [s.event.data["n"] for s in page]
        cursor = page[-1].seq
    assert backwards == walked[::-1]
    assert store.count(query) == 6  # count ignores the limit


def test_a_large_batch_keeps_its_order_and_an_empty_store_has_seq_0(store: EventStore) -> None:
    assert store.latest_seq() == 0 and store.count() == 0 and store.query(EventQuery()) == []
    events = [_event(n, f"cam{n % 7}") for n in range(500)]
    stored = store.insert([(e, None) for e in events])
    assert [s.event for s in stored] == events
    assert all(a.seq < b.seq for a, b in itertools.pairwise(stored))
    assert store.query(EventQuery(limit=1000)) == stored
    assert store.latest_seq() == stored[-1].seq


def test_a_batch_is_one_transaction(store: EventStore) -> None:
    [first] = store.insert([(_event(1), None)])
    with pytest.raises(sa.exc.IntegrityError):
        store.insert([(_event(2), None), (first.event, None)])  # a duplicate id: all or nothing
    assert store.query(EventQuery()) == [first]


def test_a_cursor_never_skips_events_committed_by_concurrent_inserts(store: EventStore) -> None:
    done = threading.Event()
    seen: list[int] = []

    def follow() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            page = store.query(EventQuery(after_seq=cursor, limit=1000))
            seen.extend(s.event.data["n"] for s in page)
            cursor = page[-1].seq if page else cursor
            if finished and not page:
                return
            if not page:
                time.sleep(0.001)  # poll like a feed does, without starving the writers

    def insert(worker: int) -> None:
        for batch in range(30):
            start = (worker * 30 + batch) * 5
            store.insert([(_event(n), None) for n in range(start, start + 5)])

    follower = threading.Thread(target=follow)
    follower.start()
    writers = [threading.Thread(target=insert, args=(w,)) for w in range(4)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    follower.join(30)
    assert sorted(seen) == list(range(600))  # each exactly once: none skipped, none repeated


def test_delete_before_stops_at_its_limit(store: EventStore) -> None:
    store.insert([(_event(n), None) for n in range(10)])
    assert store.delete_before(1008.0, limit=5) == Deleted(5, [], [])
    assert [s.event.data["n"] for s in store.query(EventQuery())] == [5, 6, 7, 8, 9]
    assert store.delete_before(1008.0, limit=5) == Deleted(3, [], [])
    assert store.delete_before(1008.0, limit=5) == Deleted(0, [], [])


def test_dead_letters_keep_no_credentials(store: EventStore) -> None:
    letter = DeadLetter(None, "e1", 7, "https://u:hunter2@h/hook?token=t0k", 1, "timeout", 1.0, {})
    stored = store.get_dead_letter(store.add_dead_letter(letter))
    assert stored is not None and stored.target == "https://u:***@h/hook?token=***"
    assert store.dead_letters(after_id=stored.id) == []


def test_numpy_values_in_data_are_stored_as_plain_json(store: EventStore) -> None:
    data = {"n": np.int64(3), "speed": np.float32(1.5), "box": np.array([1, 2, 3, 4])}
    [stored] = store.insert([(Event(type="t", camera_id="a", time=1.0, data=data), None)])
    back = store.get(stored.event.id)
    assert back is not None and back.event.data == {"n": 3, "speed": 1.5, "box": [1, 2, 3, 4]}


def test_open_tracks_are_started_tracks_not_ended_since(store: EventStore) -> None:
    ended = "track.ended"
    first_run = store.insert(
        [(_event(1), None), (_event(2), None), (_event(1, type_=ended), None)]
    )  # track 2 of the first run was never ended
    since = store.latest_seq()
    second_run = store.insert(
        [
            (_event(1), None),  # track ids start again in a camera's next run
            (_event(3), None),
            (_event(3, type_=ended), None),
            (_event(4, camera="b"), None),
        ]
    )
    assert [s.event for s in store.open_tracks("a")] == [first_run[1].event, second_run[0].event]
    assert [s.event for s in store.open_tracks("a", since)] == [second_run[0].event]
    assert [s.event for s in store.open_tracks("b")] == [second_run[3].event]
    assert store.open_tracks("c") == []

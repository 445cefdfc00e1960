"""Events as JSON Lines from a writer thread: what emitters hand over is written in order."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from events import ZONE_ENTERED, Event
from outputs import OutputError
from outputs.event_log import EventLog


def test_events_from_several_threads_are_all_written_with_their_ids(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "deep" / "events.jsonl")  # missing folders are created

    def emit(camera: str) -> None:
        for track in range(200):
            log.emit(Event(ZONE_ENTERED, camera, 1.0 + track, track, "person", "door"))

    emitters = [threading.Thread(target=emit, args=(f"cam{i}",)) for i in range(3)]
    for thread in emitters:
        thread.start()
    for thread in emitters:
        thread.join()
    log.close()
    records = [json.loads(line) for line in log.path.read_text().splitlines()]
    assert (len(records), log.written, log.dropped) == (600, 600, 0)
    for camera in ("cam0", "cam1", "cam2"):  # each emitter's events in its order
        tracks = [r["track_id"] for r in records if r["camera_id"] == camera]
        assert tracks == list(range(200))
    assert list(records[0]) == [
        "id", "type", "camera_id", "time", "track_id", "class_name", "region", "data"
    ]  # fmt: skip


def test_a_full_queue_drops_and_counts_instead_of_blocking(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl", queue_size=1)
    for track in range(1000):
        log.emit(Event(ZONE_ENTERED, "cam", 1.0, track))
    log.close()
    assert log.written + log.dropped == 1000 and log.written >= 1
    assert len(log.path.read_text().splitlines()) == log.written


def test_a_disk_that_fails_is_an_output_error_at_close() -> None:
    log = EventLog(Path("/dev/full"))
    log.emit(Event(ZONE_ENTERED, "cam", 1.0, 1))
    with pytest.raises(OutputError, match=r"^cannot write /dev/full: No space left on device"):
        log.close()

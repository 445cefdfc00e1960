"""StorageHealth: one log line per change of state, reminders at most every REMIND_S, and what
readiness, metrics and /api/health read."""

from __future__ import annotations

import logging

import pytest

from storage.health import StorageHealth, StoragePart


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "storage.health"]


def test_one_line_when_it_starts_failing_one_when_it_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    health = StorageHealth(clock=clock, wall=lambda: 1_700_000_000.0, remind_s=60.0)
    for held in range(10, 60, 10):  # five failed attempts within a minute
        health.failed(StoragePart.DATABASE, "OperationalError: database or disk is full", held)
        clock.now += 5
    failure = health.failure(StoragePart.DATABASE)
    assert failure is not None and failure.since == 1_700_000_000.0 and failure.failing_s == 25
    assert health.failure(StoragePart.THUMBNAIL) is None
    clock.now += 40  # a minute after the first line: one reminder
    health.failed(StoragePart.DATABASE, "OperationalError: database or disk is full", 70)
    health.recovered(StoragePart.DATABASE, late=70)
    health.recovered(StoragePart.DATABASE, late=0)  # already ok: nothing to say
    assert _lines(caplog) == [
        (
            logging.ERROR,
            "storage failing: writing events to the database: OperationalError: database or "
            "disk is full; 10 events held in memory until it recovers",
        ),
        (
            logging.ERROR,
            "storage still failing after 65 s: writing events to the database: "
            "OperationalError: database or disk is full; 70 events held in memory until it "
            "recovers",
        ),
        (
            logging.INFO,
            "storage recovered: writing events to the database works again after 65.0 s; "
            "70 held events written late",
        ),
    ]
    assert health.failures() == []


def test_parts_fail_and_recover_on_their_own(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    health = StorageHealth()
    health.failed(StoragePart.THUMBNAIL, "OSError: [Errno 28] No space left on device")
    health.failed(StoragePart.RETENTION, "OperationalError: database is locked")
    assert [f.part for f in health.failures()] == [StoragePart.THUMBNAIL, StoragePart.RETENTION]
    health.recovered(StoragePart.THUMBNAIL)
    assert [f.part for f in health.failures()] == [StoragePart.RETENTION]
    assert [level for level, _ in _lines(caplog)] == [logging.ERROR, logging.ERROR, logging.INFO]
    assert _lines(caplog)[2][1].startswith("storage recovered: writing thumbnails works again")

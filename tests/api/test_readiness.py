"""/readyz and /metrics report what stops the service's work: a shared thread that died or hangs,
and storage that refuses events. Faults are injected into the running service."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from service import Service
from storage.database import write_lock
from tests.api.conftest import ServiceFactory
from tests.waiting import wait_until


@pytest.fixture
def running(
    make_service: ServiceFactory, square_clip: Path
) -> Iterator[tuple[TestClient, Service]]:
    service = make_service(
        tracker={"lost_timeout_s": 0.3},
        storage={"flush_interval_ms": 50},
        cameras=[{"id": "sq", "url": str(square_clip), "loop": True}],
    )
    with TestClient(create_app(service)) as client:
        wait_until(lambda: service.runtime.status("sq").frames_analysed > 0, 60, step_s=0.1)
        yield client, service


def _metrics(client: TestClient) -> dict[str, float]:
    """Every sample of /metrics by its name and labels as written."""
    samples = re.findall(r"^(\S+) (\S+)$", client.get("/metrics").text, re.MULTILINE)
    return {name: float(value) for name, value in samples}


def _unready(client: TestClient) -> dict[str, Any]:
    response = client.get("/readyz")
    assert response.status_code == 503, response.text
    body: dict[str, Any] = response.json()
    return body


def test_everything_running_is_ready_and_measured(running: tuple[TestClient, Service]) -> None:
    client, _ = running
    assert client.get("/readyz").json() == {"status": "ready"}
    metrics = _metrics(client)
    for thread in ("detector-0", "camera-sq", "clips-sq", "events", "retention", "clip-retention"):
        assert metrics[f'trackcast_thread_alive{{thread="{thread}"}}'] == 1
        assert metrics[f'trackcast_thread_stalled{{thread="{thread}"}}'] == 0
    assert metrics['trackcast_storage_errors_total{kind="database"}'] == 0
    assert metrics['trackcast_storage_failing{kind="database"}'] == 0
    assert metrics['trackcast_feed_overflows_total{feed="events"}'] == 0
    assert metrics['trackcast_feed_frames_skipped_total{feed="frames"}'] == 0  # no viewer


def test_a_dead_detector_worker_makes_the_service_unready(
    running: tuple[TestClient, Service],
) -> None:
    client, service = running
    (worker,) = service.runtime.detector_workers()

    def broken_plan() -> None:
        raise RuntimeError("injected worker fault")

    worker._plan = broken_plan  # type: ignore[method-assign]
    wait_until(lambda: client.get("/readyz").status_code == 503, timeout_s=30, step_s=0.1)
    body = _unready(client)
    assert body["status"] == "unavailable"
    (dead,) = body["threads"]
    assert dead["name"] == "detector-0" and dead["state"] == "dead"
    assert dead["error"] == "RuntimeError: injected worker fault"
    metrics = _metrics(client)
    assert metrics['trackcast_thread_alive{thread="detector-0"}'] == 0
    assert metrics['trackcast_thread_dead{thread="detector-0"}'] == 1
    assert metrics['trackcast_thread_alive{thread="camera-sq"}'] == 1


def test_a_stuck_detector_worker_makes_the_service_unready_until_it_moves(
    running: tuple[TestClient, Service],
) -> None:
    client, service = running
    (worker,) = service.runtime.detector_workers()
    worker.heartbeat.stall_after_s = 1.0  # instead of 30 s
    release = threading.Event()

    def blocking_viewer() -> None:  # holds the shared thread inside one camera's step
        release.wait(60)

    slot = service.runtime.subscribe("sq", on_put=blocking_viewer)
    try:

        def detector_stalled() -> dict[str, Any] | None:
            response = client.get("/readyz")
            if response.status_code != 503:
                return None
            threads: list[dict[str, Any]] = response.json().get("threads", [])
            return next((t for t in threads if t["name"] == "detector-0"), None)

        # On a loaded machine another thread can miss a beat first; wait for the detector's.
        wait_until(lambda: detector_stalled() is not None, timeout_s=30, step_s=0.1)
        stuck = detector_stalled()
        assert stuck is not None and stuck["state"] == "stalled", stuck
        assert stuck["beat_age_s"] >= 1.0
        assert _metrics(client)['trackcast_thread_stalled{thread="detector-0"}'] == 1
        assert _metrics(client)['trackcast_thread_alive{thread="detector-0"}'] == 1
    finally:
        release.set()
        service.runtime.unsubscribe("sq", slot)
    wait_until(lambda: client.get("/readyz").status_code == 200, timeout_s=30, step_s=0.1)
    assert _metrics(client)['trackcast_thread_stalled{thread="detector-0"}'] == 0


def test_storage_that_refuses_events_makes_the_service_unready_until_it_recovers(
    running: tuple[TestClient, Service],
) -> None:
    client, service = running
    engine = service.store.engine
    written = service.writer.written
    with write_lock(engine), engine.begin() as connection:  # the events table goes missing
        connection.exec_driver_sql("ALTER TABLE events RENAME TO events_away")
    try:
        wait_until(lambda: client.get("/readyz").status_code == 503, timeout_s=60, step_s=0.1)
        body = _unready(client)
        assert "no such table: events" in body["storage_error"]
        assert "threads" not in body  # every thread still runs
        metrics = _metrics(client)
        assert metrics['trackcast_storage_failing{kind="database"}'] == 1
        assert metrics['trackcast_storage_errors_total{kind="database"}'] >= 1
    finally:
        with write_lock(engine), engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE events_away RENAME TO events")
    wait_until(lambda: client.get("/readyz").status_code == 200, timeout_s=60, step_s=0.2)
    assert service.writer.written > written  # what was held is written after all
    assert _metrics(client)['trackcast_storage_failing{kind="database"}'] == 0

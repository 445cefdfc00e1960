"""A full disk under the running service (SQLite's own "database or disk is full"): /readyz,
/metrics and /api/health show it while the cameras keep streaming; once it has room every emitted
event is stored once, in emission order; a stop while it is full ends by its deadline and says
how many events it could not keep."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from events import Event, Evidence
from service import Service
from storage import EventQuery
from tests.api.conftest import ServiceFactory
from tests.disk_full import DiskLimit
from tests.waiting import wait_until

FULL = "OperationalError: database or disk is full"


@dataclass
class Recorded:
    """The service's events in the order analysis emitted them."""

    events: list[Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self, camera_id: str) -> list[str]:
        with self.lock:
            return [e.id for e in self.events if e.camera_id == camera_id]


@dataclass
class Running:
    client: TestClient
    service: Service
    disk: DiskLimit
    emitted: Recorded


@pytest.fixture
def running(make_service: ServiceFactory, square_clip: Path) -> Iterator[Running]:
    service = make_service(
        tracker={"lost_timeout_s": 0.3},
        storage={"flush_interval_ms": 50},
        cameras=[{"id": "sq", "url": str(square_clip), "loop": True}],
    )
    disk = DiskLimit(service.store.engine)
    emitted = Recorded()
    emit = service.writer.emit

    def recording_emit(event: Event, evidence: Evidence | None = None) -> None:
        emit(event, evidence)  # one detector thread: the order of these calls is emission order
        with emitted.lock:
            emitted.events.append(event)

    service.writer.emit = recording_emit  # type: ignore[method-assign]
    with TestClient(create_app(service)) as client:
        wait_until(lambda: service.store.count() > 0, timeout_s=120, step_s=0.1)
        yield Running(client, service, disk, emitted)


def _metrics(client: TestClient) -> dict[str, float]:
    samples = re.findall(r"^(\S+) (\S+)$", client.get("/metrics").text, re.MULTILINE)
    return {name: float(value) for name, value in samples}


def _fill_until_unready(running: Running) -> dict[str, Any]:
    running.disk.fill()
    client = running.client
    wait_until(lambda: client.get("/readyz").status_code == 503, timeout_s=120, step_s=0.1)
    wait_until(lambda: running.service.writer.pending() > 0, timeout_s=120, step_s=0.1)
    body: dict[str, Any] = client.get("/readyz").json()
    return body


def test_a_full_disk_shows_in_health_and_every_event_is_stored_once_in_order_after(
    running: Running,
) -> None:
    client, service = running.client, running.service
    assert client.get("/api/health").json()["status"] == "ok"
    body = _fill_until_unready(running)
    assert body == {"status": "unavailable", "storage_error": FULL}
    metrics = _metrics(client)
    assert metrics['trackcast_storage_failing{kind="database"}'] == 1
    assert metrics['trackcast_storage_failing{kind="thumbnail"}'] == 0
    assert metrics['trackcast_storage_failing_seconds{kind="database"}'] >= 0
    assert metrics["trackcast_events_pending"] >= 1
    assert metrics["trackcast_events_pending_limit"] == 10_000
    health = client.get("/api/health").json()
    assert health["status"] == "degraded"
    (failure,) = health["storage"]["failures"]
    assert failure["kind"] == "database" and failure["reason"] == FULL
    assert health["storage"]["events_pending"] >= 1
    camera = client.get("/api/cameras/sq").json()
    assert camera["health"]["state"] == "streaming"  # the camera is fine: storage is not
    running.disk.free()
    wait_until(lambda: client.get("/readyz").status_code == 200, timeout_s=120, step_s=0.1)
    assert _metrics(client)['trackcast_storage_failing{kind="database"}'] == 0
    assert client.get("/api/health").json()["storage"]["failures"] == []
    client.__exit__(None, None, None)  # stop the service: what is emitted now is all there is
    assert client.app.state.stopped_clean  # type: ignore[attr-defined]
    writer = service.writer
    assert writer.lost == writer.dropped == writer.rejected == 0
    stored = service.store.query(EventQuery(camera_ids=("sq",), limit=100_000))
    assert [s.event.id for s in stored] == running.emitted.ids("sq")  # once each, seq order


def test_a_stop_while_the_disk_is_full_says_how_many_events_it_could_not_keep(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client, service = running.client, running.service
    _fill_until_unready(running)
    client.__exit__(None, None, None)  # the service stops with the disk still full
    assert client.app.state.stopped_clean is False  # type: ignore[attr-defined]
    writer = service.writer
    assert not writer.running
    stored = service.store.count()
    assert writer.lost == len(running.emitted.events) - stored > 0 and writer.dropped == 0
    (final,) = [r for r in caplog.records if r.getMessage().startswith("service stopped")]
    assert final.levelno == logging.ERROR
    assert final.getMessage().endswith(
        f"; {writer.lost} events not stored: the database is still failing ({FULL})"
    )
    assert "did not end in time" not in final.getMessage()

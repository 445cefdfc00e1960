"""Deliveries survive restarts: ``trackcast serve`` (with the test blob detector) gets SIGTERM
while a slow webhook receiver is behind, and after the restart every event reaches the receiver,
none dead-lettered; rows of a destination no longer configured are kept, never sent elsewhere."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import pytest
import yaml

from config import AppConfig
from events import Event
from service import build_service
from storage import EventQuery, EventStore, Outbox, default_url, open_database
from tests.delivery.receiver import Reply, WebhookReceiver
from tests.servers.trackcast_server import TrackcastServer
from tests.waiting import wait_until

ADMIN = "restart-admin-token-0123456789"
BLOB_SERVE = (sys.executable, "-m", "tests.servers.blob_serve")


def _config(tmp_path: Path, clip: Path, receiver: WebhookReceiver) -> Path:
    path = tmp_path / "serve.yaml"
    config = {
        "data_dir": str(tmp_path / "data"),
        "tracker": {"lost_timeout_s": 0.3},
        "storage": {"flush_interval_ms": 50},
        "sources": {"media_roots": [str(clip.parent)]},
        "cameras": [{"id": "sq", "url": str(clip), "loop": True}],
        "webhooks": [
            {"url": receiver.url(), "timeout_s": 10, "max_attempts": 3, "backoff_initial_s": 0.05}
        ],
    }
    path.write_text(yaml.safe_dump(config))
    return path


def _stored(data_dir: Path) -> tuple[list[str], int, int]:
    """With the service stopped: the stored event ids in seq order, the rows still in the
    outbox, and the dead letters."""
    engine = open_database(default_url(data_dir))
    try:
        store = EventStore(engine)
        ids = [s.event.id for s in store.query(EventQuery(limit=100_000))]
        return ids, sum(Outbox(engine).depths().values()), len(store.dead_letters(limit=1000))
    finally:
        engine.dispose()


def test_sigterm_with_deliveries_pending_then_restart(square_clip: Path, tmp_path: Path) -> None:
    slow = Reply(delay_s=3.0)  # the camera makes about one event a second: it falls behind
    with WebhookReceiver(lambda key, seen: slow) as receiver:
        config = _config(tmp_path, square_clip, receiver)
        server = TrackcastServer(config, admin_token=ADMIN, program=BLOB_SERVE)
        try:
            server.start()

            def behind() -> bool:
                stored = server.request("GET", "/api/events", params={"limit": 1000}).json()
                return len(receiver.accepted()) >= 1 and len(stored["events"]) >= 6 + len(
                    {r.key for r in receiver.received()}
                )

            wait_until(behind, timeout_s=120, step_s=0.2)
            metrics = server.request("GET", "/metrics").text
            depth = re.search(r"^trackcast_delivery_queue_depth\{[^}]*\} (\S+)$", metrics, re.M)
            assert depth and float(depth.group(1)) >= 5, metrics  # read from the outbox
            server.terminate()
            first_output = server.output()
        finally:
            server.close()
        assert "service stopped" in first_output, first_output[-3000:]
        assert "stopped before delivery" not in first_output
        first_ids, pending, letters = _stored(tmp_path / "data")
        assert pending >= 5, first_output[-3000:]  # deliveries were pending at SIGTERM
        assert letters == 0
        assert {r.key for r in receiver.accepted()} < set(first_ids)

        receiver.policy = lambda key, seen: Reply()  # the receiver catches up after the restart
        restarted = TrackcastServer(config, admin_token=ADMIN, program=BLOB_SERVE)
        try:
            restarted.start()
            # a receiver that deduplicates by event id sees each event exactly once
            wait_until(
                lambda: set(first_ids) <= {r.key for r in receiver.accepted()},
                timeout_s=120,
                step_s=0.2,
            )
            assert restarted.request("GET", "/api/deadletters").json() == []
            restarted.terminate()
            second_output = restarted.output()
        finally:
            restarted.close()
    assert "events still to deliver from before the restart" in second_output
    delivered = [r for r in receiver.accepted() if r.key in set(first_ids)]
    by_key = {r.key: json.loads(r.body) for r in delivered}
    assert [by_key[i]["id"] for i in first_ids] == first_ids  # every one, with its own body
    # in order: each event was first accepted after the ones before it
    first_accepted = list(dict.fromkeys(r.key for r in delivered))
    assert first_accepted == first_ids
    all_ids, _, letters = _stored(tmp_path / "data")
    assert letters == 0
    assert {r.key for r in receiver.accepted()} <= set(all_ids)


def test_rows_of_a_destination_no_longer_configured_are_kept_and_not_sent_elsewhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with WebhookReceiver() as old, WebhookReceiver() as new:

        def config(url: str) -> AppConfig:
            return AppConfig.model_validate(
                {
                    "data_dir": str(tmp_path / "data"),
                    "auth": {"open": True},
                    "storage": {"flush_interval_ms": 50},
                    "webhooks": [{"url": url}],
                }
            )

        first = build_service(config(old.url("/gone")))  # never started: rows stay queued
        first.writer.start()
        events = [Event(type="track.started", camera_id="c", time=1.0 + n) for n in range(3)]
        for event in events:
            first.writer.emit(event)
        assert first.writer.stop(10)
        first.store.engine.dispose()

        second = build_service(config(new.url()))
        assert "no longer configured" in caplog.text
        second.start()
        later = Event(type="track.started", camera_id="c", time=10.0)
        second.writer.emit(later)
        wait_until(lambda: len(new.accepted()) == 1, timeout_s=10)
        assert second.stop(10)
        assert [r.key for r in new.accepted()] == [later.id]
        assert old.received() == []

        third = build_service(config(old.url("/gone")))  # configured again: it resumes
        third.start()
        wait_until(lambda: len(old.accepted()) == 3, timeout_s=10)
        assert third.stop(10)
        assert [r.key for r in old.accepted()] == [e.id for e in events]

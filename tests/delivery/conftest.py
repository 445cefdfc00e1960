"""Fixtures for delivery tests: a database with the outbox, a webhook receiver and a Mosquitto
broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.broker import MosquittoBroker
from tests.delivery.database import Database
from tests.delivery.receiver import WebhookReceiver


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database: its store, its outbox and its dead letters."""
    db = Database(tmp_path / "trackcast.db")
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A running broker; tests may stop it to simulate an outage."""
    server = MosquittoBroker(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def idle_broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A broker with a port reserved but not yet started; stopped at teardown if started."""
    server = MosquittoBroker(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A running webhook receiver that accepts everything until a test sets its ``policy``."""
    with WebhookReceiver() as server:
        yield server

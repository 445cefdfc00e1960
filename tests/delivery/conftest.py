"""Fixtures for delivery tests: a dead-letter sink, a webhook receiver and a Mosquitto broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.broker import MosquittoBroker
from tests.delivery.memory import MemoryDeadLetters
from tests.delivery.receiver import WebhookReceiver


@pytest.fixture
def dead_letters() -> MemoryDeadLetters:
    return MemoryDeadLetters()


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

"""An in-memory dead-letter sink for tests (the service keeps dead letters in the database)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from events import StoredEvent


@dataclass(frozen=True)
class DeadLetterRecord:
    event: StoredEvent
    target: str
    attempts: int
    last_error: str


class MemoryDeadLetters:
    """A thread-safe ``delivery.DeadLetterSink`` that keeps what it is given in a list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[DeadLetterRecord] = []

    def dead_letter(self, event: StoredEvent, target: str, attempts: int, last_error: str) -> None:
        with self._lock:
            self._records.append(DeadLetterRecord(event, target, attempts, last_error))

    def records(self) -> list[DeadLetterRecord]:
        with self._lock:
            return list(self._records)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

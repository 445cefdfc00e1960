"""Events as JSON Lines, one object per event, for ``trackcast run --events-out``.

Analysers emit on the detector thread, which must never wait on a disk: :class:`EventLog` puts
each event in a bounded queue and one writer thread it owns writes and flushes the lines. An
event that finds the queue full (a disk that stopped answering) is dropped and counted.
"""

from __future__ import annotations

import json
import queue
import threading
from pathlib import Path
from typing import Any

from events import Event, Evidence
from outputs.errors import OutputError, open_for_writing, write_error

QUEUE_SIZE = 10_000
"""Events held while the writer is behind; at a few hundred bytes each, a few MB."""

_CLOSE = object()


def event_record(event: Event) -> dict[str, Any]:
    """One line's object: the event's id and content, as the API lists events."""
    return {"id": event.id, **event.content()}


class EventLog:
    """An event sink that appends each event to ``path`` as a JSON line (thread-safe).

    ``path`` is opened at once, so a bad path fails before any camera starts.
    """

    def __init__(self, path: Path, *, queue_size: int = QUEUE_SIZE) -> None:
        self.path = path
        self._file = open_for_writing(path)
        self._queue: queue.Queue[object] = queue.Queue(queue_size)
        self._lock = threading.Lock()
        self.written = 0
        self.dropped = 0
        self._error: OutputError | None = None
        self._thread = threading.Thread(target=self._write_all, name="event-log", daemon=True)
        self._thread.start()

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            with self._lock:
                self.dropped += 1

    def close(self, timeout_s: float = 10.0) -> None:
        """Write what is queued, close the file; raise :class:`OutputError` if writing failed."""
        self._queue.put(_CLOSE)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise OutputError(f"cannot write {self.path}: the writer did not finish in time")
        try:
            self._file.close()
        except OSError as error:
            raise write_error(self.path, error) from None
        if self._error is not None:
            raise self._error

    def _write_all(self) -> None:
        while True:
            item = self._queue.get()
            if item is _CLOSE:
                return
            assert isinstance(item, Event)
            if self._error is not None:
                continue  # keep draining so that emitters never block
            line = json.dumps(event_record(item), separators=(",", ":")) + "\n"
            try:
                self._file.write(line)
                self._file.flush()
            except OSError as error:
                self._error = write_error(self.path, error)
                continue
            with self._lock:
                self.written += 1

"""Where delivery puts the events it gives up on, so that none is lost without a trace."""

from __future__ import annotations

from typing import Protocol

from events.model import StoredEvent


class DeadLetterSink(Protocol):
    """Keeps an event that could not be delivered, for listing and replay.

    ``target`` names the destination with credentials redacted; ``attempts`` is how many delivery
    attempts were made (0 when the event was refused before the first, e.g. a full queue);
    ``last_error`` says why delivery stopped. Called from delivery threads: must be thread-safe.
    """

    def dead_letter(
        self, event: StoredEvent, target: str, attempts: int, last_error: str
    ) -> None: ...

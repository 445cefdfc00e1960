"""The typed event model every publisher shares: what happened, where, when, and its evidence."""

from events.model import (
    EVENT_TYPES,
    TRACK_ENDED,
    TRACK_STARTED,
    Event,
    EventSink,
    Evidence,
    StoredEvent,
    new_event_id,
)

__all__ = [
    "EVENT_TYPES",
    "TRACK_ENDED",
    "TRACK_STARTED",
    "Event",
    "EventSink",
    "Evidence",
    "StoredEvent",
    "new_event_id",
]

"""The typed event model every publisher shares: what happened, where, when, and its evidence."""

from events.clip import ClipState, EventClip
from events.model import (
    EVENT_TYPES,
    LINE_CROSSED,
    TRACK_ENDED,
    TRACK_STARTED,
    ZONE_ENTERED,
    ZONE_EXITED,
    ZONE_LOITERING,
    Event,
    EventSink,
    EventType,
    Evidence,
    StoredEvent,
    new_event_id,
)

__all__ = [
    "EVENT_TYPES",
    "LINE_CROSSED",
    "TRACK_ENDED",
    "TRACK_STARTED",
    "ZONE_ENTERED",
    "ZONE_EXITED",
    "ZONE_LOITERING",
    "ClipState",
    "Event",
    "EventClip",
    "EventSink",
    "EventType",
    "Evidence",
    "StoredEvent",
    "new_event_id",
]

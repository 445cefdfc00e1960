"""Events: typed records of what the analysis saw, with a stable id and an optional thumbnail.

An analyser emits an :class:`Event` together with its :class:`Evidence` (the frame and the box it
was seen in). Storage writes the thumbnail and the row, numbers the event with a ``seq`` that grows
in commit order (the cursor live feeds resume from), and only then hands the
:class:`StoredEvent` to live feeds, webhooks and MQTT.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from events.clip import EventClip


class EventType(StrEnum):
    """Every event type trackcast emits. A ``StrEnum``: each member equals its string, so stored
    rows, topics and JSON keep the plain value (``track.started``)."""

    TRACK_STARTED = "track.started"
    TRACK_ENDED = "track.ended"
    LINE_CROSSED = "line.crossed"
    ZONE_ENTERED = "zone.entered"
    ZONE_EXITED = "zone.exited"
    ZONE_LOITERING = "zone.loitering"


TRACK_STARTED: str = EventType.TRACK_STARTED
TRACK_ENDED: str = EventType.TRACK_ENDED
LINE_CROSSED: str = EventType.LINE_CROSSED
ZONE_ENTERED: str = EventType.ZONE_ENTERED
ZONE_EXITED: str = EventType.ZONE_EXITED
ZONE_LOITERING: str = EventType.ZONE_LOITERING
EVENT_TYPES: tuple[str, ...] = tuple(EventType)
"""Every event type's value, in :class:`EventType`'s order (the names above are its members,
typed as the plain strings they equal)."""


def new_event_id(at: float | None = None) -> str:
    """32 hex digits: milliseconds since the epoch, then 80 random bits (sortable, unique)."""
    millis = int((time.time() if at is None else at) * 1000)
    return f"{millis:012x}{secrets.token_hex(10)}"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened on a camera.

    Attributes:
        id: Stable unique id; webhooks send it as the idempotency key.
        type: An :class:`EventType` value, e.g. ``track.started`` (a plain string once stored).
        camera_id: The camera it happened on.
        time: When it happened: wall-clock seconds since the epoch (the frame's receive time).
        track_id: The track it is about, if any.
        class_name: That track's class, if any.
        region: The zone or line it is about, if any.
        data: Type-specific JSON-serialisable details (durations, boxes, directions).
    """

    type: str
    camera_id: str
    time: float
    track_id: int | None = None
    class_name: str | None = None
    region: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_event_id)

    def content(self) -> dict[str, Any]:
        """Every field but ``id``, as plain JSON-ready values."""
        return {
            "type": str(self.type),
            "camera_id": self.camera_id,
            "time": self.time,
            "track_id": self.track_id,
            "class_name": self.class_name,
            "region": self.region,
            "data": dict(self.data),
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """The frame an event was seen in and the box to crop its thumbnail from."""

    image: npt.NDArray[np.uint8]
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event after it was committed: ``seq`` grows in commit order and is the feeds' cursor;
    ``thumbnail`` is the JPEG's path relative to the thumbnail directory, if one was written;
    ``clip`` is the state of its video clip (None: its camera keeps no clips). ``to_json`` (the
    webhook and MQTT payload) leaves the clip out: it changes after the event is delivered."""

    seq: int
    event: Event
    thumbnail: str | None = None
    clip: EventClip | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "id": self.event.id,
            **self.event.content(),
            "thumbnail": self.thumbnail,
        }


class EventSink(Protocol):
    """Where analysers send events; implementations must be thread-safe and must not block for
    long (they run on the detector thread)."""

    def emit(self, event: Event, evidence: Evidence | None = None) -> None: ...

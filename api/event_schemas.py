"""Events as the API shows them: one model per event type, told apart by ``type``.

``data`` differs per type (a crossing has a direction, an exit a dwell time); each type's model
says exactly what its ``data`` holds, so clients generated from the OpenAPI document get a typed
union. The same JSON goes out on the REST list, the WebSocket and the SSE feed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, computed_field

from api.times import iso
from events import ClipState, EventType, StoredEvent

Box = Annotated[list[float], Field(min_length=4, max_length=4, description="x1, y1, x2, y2 px.")]


class TrackStartedData(BaseModel):
    box: Box
    confidence: float = Field(description="The first detection's confidence.")


class TrackEndedData(BaseModel):
    first_seen: float = Field(description="Epoch seconds of the first sighting.")
    last_seen: float = Field(description="Epoch seconds of the last sighting.")
    duration_s: float
    frames: int = Field(description="Frames the track was seen in.")
    first_box: Box
    last_box: Box
    reason: Literal["lost", "camera stopped", "node_lost"] = Field(
        description="lost: not re-found within the tracker's lost timeout; camera stopped: its "
        "camera (or the service) stopped; node_lost: the cluster node running its camera was "
        "lost (last_seen is when that node last answered, frames counts its first sighting)."
    )


class LineCrossedData(BaseModel):
    direction: str = Field(description="The line's name for this direction (in_name/out_name).")
    line: str
    anchor: list[float] = Field(description="The box point that crossed: x, y px.")
    trajectory: list[list[float]] = Field(description="Recent [time, x, y] of the anchor.")
    confirmed_at: float = Field(description="Epoch seconds when the crossing was confirmed.")
    previous_track_ids: list[int] = Field(
        description="Track ids this object had before (re-found after a loss)."
    )


class ZoneEnteredData(BaseModel):
    zone: str
    confirmed_at: float = Field(description="Epoch seconds when the entry was confirmed.")


class ZoneExitedData(BaseModel):
    zone: str
    entered_at: float
    exited_at: float
    dwell_s: float
    reason: Literal["left", "lost", "camera stopped"] = Field(
        description="left: seen outside; lost: its track ended inside; camera stopped: still "
        "inside when the camera stopped."
    )
    confirmed_at: float


class ZoneLoiteringData(BaseModel):
    zone: str
    entered_at: float
    dwell_s: float
    loiter_after_s: float = Field(description="The zone's loitering threshold.")


class ClipOut(BaseModel):
    """An event's video clip: where it is in its life, and where to get it."""

    state: ClipState = Field(
        description="pending: written once post_capture_s has passed; ready: at url; failed: "
        "never written (reason says why); expired: deleted by clip retention (reason)."
    )
    url: str | None = Field(description="The MP4 (range requests answered) while ready; else null.")
    reason: str | None = Field(description="Why it failed or expired; null otherwise.")


class _EventBase(BaseModel):
    seq: int = Field(description="Commit order; the cursor of ``after`` and ``Last-Event-ID``.")
    id: str = Field(description="Stable unique id (webhooks' idempotency key).")
    camera_id: str
    time: float = Field(description="When it happened, epoch seconds (UTC).")
    track_id: int | None
    class_name: str | None
    region: str | None = Field(description="The zone or line it is about, if any.")
    thumbnail: str | None = Field(description="URL of the thumbnail JPEG, if one was stored.")
    clip: ClipOut | None = Field(
        description="Its video clip; null when its camera keeps no clips. Live feeds send the "
        "event as committed (clip pending); GET /api/events/{id} shows the clip's state now."
    )

    @computed_field(description="``time`` in ISO-8601, UTC.")  # type: ignore[prop-decorator]
    @property
    def time_iso(self) -> str:
        return iso(self.time)


class TrackStarted(_EventBase):
    type: Literal[EventType.TRACK_STARTED]
    data: TrackStartedData


class TrackEnded(_EventBase):
    type: Literal[EventType.TRACK_ENDED]
    data: TrackEndedData


class LineCrossed(_EventBase):
    type: Literal[EventType.LINE_CROSSED]
    data: LineCrossedData


class ZoneEntered(_EventBase):
    type: Literal[EventType.ZONE_ENTERED]
    data: ZoneEnteredData


class ZoneExited(_EventBase):
    type: Literal[EventType.ZONE_EXITED]
    data: ZoneExitedData


class ZoneLoitering(_EventBase):
    type: Literal[EventType.ZONE_LOITERING]
    data: ZoneLoiteringData


EventOut = Annotated[
    TrackStarted | TrackEnded | LineCrossed | ZoneEntered | ZoneExited | ZoneLoitering,
    Field(discriminator="type"),
]
"""An event: its ``type`` says which ``data`` it carries."""

_EVENT = TypeAdapter[EventOut](EventOut)

EXAMPLE: dict[str, Any] = {
    "seq": 42,
    "id": "018bd2a7c5e0f3a1b2c3d4e5f6a7b8c9",
    "type": "line.crossed",
    "camera_id": "door",
    "time": 1700000000.5,
    "time_iso": "2023-11-14T22:13:20.500Z",
    "track_id": 7,
    "class_name": "person",
    "region": "entrance",
    "data": {
        "direction": "in",
        "line": "entrance",
        "anchor": [320.0, 410.5],
        "trajectory": [[1700000000.3, 318.0, 380.0], [1700000000.5, 320.0, 410.5]],
        "confirmed_at": 1700000000.7,
        "previous_track_ids": [],
    },
    "thumbnail": "/api/events/018bd2a7c5e0f3a1b2c3d4e5f6a7b8c9/thumbnail.jpg",
    "clip": {
        "state": "ready",
        "url": "/api/events/018bd2a7c5e0f3a1b2c3d4e5f6a7b8c9/clip.mp4",
        "reason": None,
    },
}


def event_out(stored: StoredEvent) -> EventOut:
    """The API's view of a stored event (the thumbnail and a ready clip as URLs)."""
    body = stored.to_json()
    if body["thumbnail"] is not None:
        body["thumbnail"] = f"/api/events/{body['id']}/thumbnail.jpg"
    clip = stored.clip
    body["clip"] = None
    if clip is not None:
        ready = clip.state is ClipState.READY
        body["clip"] = {
            "state": clip.state,
            "url": f"/api/events/{body['id']}/clip.mp4" if ready else None,
            "reason": clip.reason,
        }
    return _EVENT.validate_python(body)


def event_json(stored: StoredEvent) -> dict[str, Any]:
    """What the live feeds send for a stored event: :func:`event_out` as JSON values."""
    out: dict[str, Any] = _EVENT.dump_python(event_out(stored), mode="json")
    return out


class SeqOrder(StrEnum):
    """Which end of the ``seq`` order a page of events starts from."""

    ASC = "asc"
    DESC = "desc"


class EventPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"events": [EXAMPLE], "next_after": None, "next_before": None}]
        }
    )

    events: list[EventOut]
    next_after: int | None = Field(
        description="Pass as ``after`` to get the next page; null when this page was the last "
        "or the order is ``desc``."
    )
    next_before: int | None = Field(
        description="With ``order=desc``: pass as ``before`` to get the next (older) page; null "
        "when this page was the last or the order is ``asc``."
    )

"""/asyncapi.json: the live feeds (WebSocket and SSE) described as an AsyncAPI 3.0 document.

OpenAPI cannot describe what a WebSocket sends, nor the messages of an SSE stream, so the four
live feeds are described here, with JSON schemas generated from the same pydantic models that the
REST routes use: an event on a feed is exactly what ``GET /api/events`` lists.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, TypeAdapter

from api.event_schemas import EventOut

router = APIRouter(include_in_schema=False)

SCHEMAS_REF = "#/components/schemas/{model}"


class FrameTrack(BaseModel):
    """One track in one frame."""

    track_id: int
    class_id: int
    class_name: str
    confidence: float
    box: list[float] = Field(min_length=4, max_length=4, description="x1, y1, x2, y2 px.")
    attributes: dict[str, Any] = Field(
        description="Extra per-detection values of the model, e.g. ``posture``."
    )
    polygon: list[list[int]] | None = Field(
        default=None,
        description="A segmentation model's outline, ``[[x, y], ...]`` px; absent for others.",
    )


class FrameMessage(BaseModel):
    """One analysed frame of a camera and the tracks in it."""

    camera_id: str
    index: int = Field(description="The frame's number in its source; gaps are skipped frames.")
    pts: float | None = Field(description="Presentation time in seconds, if known.")
    time: float | None = Field(description="When the frame was received, epoch seconds.")
    time_iso: str | None = Field(description="``time`` in ISO-8601, UTC.")
    width: int
    height: int
    tracks: list[FrameTrack]


_FILTERS = {
    "type": "object",
    "properties": {
        "after": {"type": "integer", "minimum": 0, "description": "Resume after this seq."},
        "camera": {"type": "string", "description": "Camera id; repeatable."},
        "type": {"type": "string", "description": "Event type; repeatable (an EventType)."},
        "class_name": {"type": "string", "description": "Object class; repeatable."},
        "region": {"type": "string", "description": "Zone or line name; repeatable."},
        "since": {"type": "string", "description": "Epoch seconds or ISO-8601 with a zone."},
        "until": {"type": "string", "description": "Epoch seconds or ISO-8601 with a zone."},
        "access_token": {"type": "string", "description": "API token (or the header)."},
    },
}
_CAMERA = {"camera_id": {"description": "A running camera's id."}}
_TOKEN_ONLY = {
    "type": "object",
    "properties": {"access_token": {"type": "string", "description": "API token."}},
}


def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """JSON schemas of the event union and the frame message, and every model they use."""
    event = TypeAdapter[EventOut](EventOut).json_schema(
        mode="serialization", ref_template=SCHEMAS_REF
    )
    frame = FrameMessage.model_json_schema(mode="serialization", ref_template=SCHEMAS_REF)
    components = {**event.pop("$defs", {}), **frame.pop("$defs", {})}
    return components, {"Event": event, "FrameMessage": frame}


def _channel(address: str, message: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "address": address,
        "description": description,
        "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        **extra,
    }


@cache
def document(version: str) -> dict[str, Any]:
    """The AsyncAPI document (built once: it depends on the models only)."""
    components, roots = _schemas()
    channels = {
        "eventsWebSocket": _channel(
            "/api/events/ws",
            "event",
            "One JSON text message per stored event: the backlog after ``after``, then live "
            "events, in commit order. Filters as for ``GET /api/events``.",
            bindings={"ws": {"query": _FILTERS}},
        ),
        "eventsSse": _channel(
            "/api/events/stream",
            "event",
            "Server-sent events: ``id`` is the event's seq (``Last-Event-ID`` resumes), "
            "``event`` its type, ``data`` the event as JSON.",
            bindings={"http": {"query": _FILTERS}},
        ),
        "tracksWebSocket": _channel(
            "/api/cameras/{camera_id}/tracks/ws",
            "frame",
            "One JSON text message per analysed frame; a slow client gets the newest frame and "
            "skips the others (``index`` shows the gap). Closes with 4404 for a camera that is "
            "not running.",
            parameters=_CAMERA,
            bindings={"ws": {"query": _TOKEN_ONLY}},
        ),
        "tracksSse": _channel(
            "/api/cameras/{camera_id}/tracks/stream",
            "frame",
            "Server-sent events named ``frame``, ``data`` as on the WebSocket.",
            parameters=_CAMERA,
            bindings={"http": {"query": _TOKEN_ONLY}},
        ),
    }
    operations = {
        f"receive_{name}": {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{name}"},
            "messages": [{"$ref": f"#/channels/{name}/messages/{message}"}],
        }
        for name, message in (
            ("eventsWebSocket", "event"),
            ("eventsSse", "event"),
            ("tracksWebSocket", "frame"),
            ("tracksSse", "frame"),
        )
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "trackcast live feeds",
            "version": version,
            "description": "Events and per-frame tracks as they happen, over WebSocket and SSE. "
            "Tokens as for the REST API: ``Authorization: Bearer`` or ``?access_token=``.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {
                "event": {
                    "name": "event",
                    "title": "Event",
                    "summary": "An event; its ``type`` says which ``data`` it carries.",
                    "payload": {"$ref": "#/components/schemas/Event"},
                },
                "frame": {
                    "name": "frame",
                    "title": "Frame",
                    "summary": "An analysed frame and its tracks.",
                    "payload": {"$ref": "#/components/schemas/FrameMessage"},
                },
            },
            "schemas": {**components, **roots},
        },
    }


@router.get("/asyncapi.json")
def asyncapi(request: Request) -> JSONResponse:
    return JSONResponse(document(request.app.version))

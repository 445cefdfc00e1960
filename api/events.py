"""/api/events: stored events with filters and a cursor, their thumbnails, and live feeds.

The cursor is an event's ``seq``: it grows in commit order, so ``?after=<seq>`` (REST and
WebSocket) or ``Last-Event-ID`` (SSE) continue exactly where a client left off.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, WebSocket, status
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.auth import authorize, authorize_media, authorize_websocket
from api.deps import MAX_ID, not_found, service_of
from api.event_filters import event_filters
from api.event_schemas import EXAMPLE, EventOut, EventPage, SeqOrder, event_json, event_out
from api.event_stream import follow_events
from api.feed_socket import send_until_closed
from api.responses import READ, errors
from config.clips import ClipsConfig
from events import ClipState, EventClip, StoredEvent
from service import Service
from storage import EventQuery

router = APIRouter()
guarded = APIRouter(
    prefix="/api/events", tags=["events"], dependencies=[Depends(authorize)], responses=READ
)
feeds = APIRouter(prefix="/api/events", tags=["events"])
media = APIRouter(
    prefix="/api/events", tags=["events"], dependencies=[Depends(authorize_media)], responses=READ
)
"""What browsers load themselves (EventSource, ``<img>``): the token may be a query parameter."""

Filters = Annotated[EventQuery, Depends(event_filters)]
DEFAULT_POST_CAPTURE_S = ClipsConfig().post_capture_s


@guarded.get("", name="list", summary="List events")
async def list_events(
    request: Request,
    filters: Filters,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Only events with seq above this.")
    ] = None,
    before: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Only events with seq below this.")
    ] = None,
    order: Annotated[
        SeqOrder,
        Query(
            description="asc: oldest first (follow next_after); desc: newest first "
            "(follow next_before)."
        ),
    ] = SeqOrder.ASC,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most events per page.")] = 100,
) -> EventPage:
    """Stored events in commit order, filtered; follow ``next_after`` to page through all of
    them, or with ``order=desc`` ``next_before`` from the newest back. Each event's ``data``
    depends on its ``type`` (see the event schemas)."""
    store = service_of(request).store
    descending = order is SeqOrder.DESC
    query = replace(filters, after_seq=after, before_seq=before, limit=limit, descending=descending)
    page = await run_in_threadpool(store.query, query)
    events = [event_out(stored) for stored in page]
    last = events[-1].seq if len(events) == limit else None
    if descending:
        return EventPage(events=events, next_after=None, next_before=last)
    return EventPage(events=events, next_after=last, next_before=None)


@media.get(
    "/stream",
    response_class=EventSourceResponse,
    name="stream",
    summary="Live events (SSE)",
    responses={200: {"description": "One SSE message per event (id: seq, event: its type)."}},
)
async def stream_events(
    request: Request,
    filters: Filters,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Resume after this seq.")
    ] = None,
    last_event_id: Annotated[
        int | None, Header(ge=0, le=MAX_ID, description="Set by EventSource.")
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: the backlog after the cursor, then live events (id = seq, event =
    type, data = the event as ``GET /api/events`` shows it; schema in ``/asyncapi.json``).
    Reconnecting ``EventSource`` clients resume with ``Last-Event-ID``. Takes
    ``?access_token=``."""
    cursor = last_event_id if last_event_id is not None else after
    async with contextlib.aclosing(follow_events(service_of(request), filters, cursor)) as events:
        async for stored in events:
            yield ServerSentEvent(
                id=str(stored.seq),
                event=stored.event.type,
                data=event_json(stored),
            )


@feeds.websocket("/ws")
async def events_websocket(
    websocket: WebSocket,
    _: Annotated[None, Depends(authorize_websocket)],
    filters: Filters,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> None:
    """One JSON message per event: the backlog after ``after``, then live events."""
    await websocket.accept()
    await send_until_closed(websocket, _messages(service_of(websocket), filters, after))


async def _messages(
    service: Service, filters: EventQuery, after: int | None
) -> AsyncGenerator[dict[str, Any], None]:
    async with contextlib.aclosing(follow_events(service, filters, after)) as events:
        async for stored in events:
            yield event_json(stored)


@guarded.get(
    "/{event_id}",
    response_model=EventOut,
    name="get",
    summary="Read an event",
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        **errors(404),
    },
)
async def get_event(event_id: str, request: Request) -> EventOut:
    """One stored event by its id."""
    stored = await run_in_threadpool(service_of(request).store.get, event_id)
    if stored is None:
        raise not_found(f"event {event_id!r}")
    return event_out(stored)


@media.get(
    "/{event_id}/thumbnail.jpg",
    response_class=FileResponse,
    name="thumbnail",
    summary="An event's thumbnail",
    responses={
        200: {
            "description": "A JPEG.",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(404),
    },
)
async def get_thumbnail(event_id: str, request: Request) -> FileResponse:
    """The JPEG crop of the object the event is about; 404 if none was stored or it was
    deleted by retention. Takes ``?access_token=`` (for ``<img>``)."""
    service = service_of(request)
    stored = await run_in_threadpool(service.store.get, event_id)
    if stored is None or stored.thumbnail is None:
        raise not_found(f"thumbnail for event {event_id!r}")
    path = service.thumbnails.path(stored.thumbnail)
    if not path.is_file():
        raise not_found(f"thumbnail for event {event_id!r} (deleted)")
    return FileResponse(path, media_type="image/jpeg")


@media.get(
    "/{event_id}/clip.mp4",
    response_class=FileResponse,
    name="clip",
    summary="An event's video clip",
    responses={
        200: {
            "description": "An MP4 (H.264, the camera's own video, not re-encoded); HTTP range "
            "requests are answered with 206.",
            "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}},
        },
        404: {
            **errors(404)[404],
            "description": "No such event, its camera keeps no clips, its clip failed (the "
            "reason says why), or it is still pending: then ``Retry-After`` says in how many "
            "seconds it should be written.",
        },
        **errors(410),
    },
)
async def get_clip(event_id: str, request: Request) -> FileResponse:
    """The event's clip, from ``pre_capture_s`` before it to ``post_capture_s`` after, once
    that time has passed. 404 with ``Retry-After`` while it is ``pending``, 404 with the reason
    if it ``failed``, 410 with the reason once retention deleted it (``expired``). The event's
    ``clip`` field says the same. Takes ``?access_token=`` (for ``<video>``)."""
    service = service_of(request)
    stored = await run_in_threadpool(service.store.get, event_id)
    if stored is None:
        raise not_found(f"event {event_id!r}")
    clip = _current_clip(service, stored)
    what = f"the clip of event {event_id!r}"
    if clip is None:
        raise not_found(
            f"clip for event {event_id!r}: camera {stored.event.camera_id!r} keeps none"
        )
    if clip.state is ClipState.READY and clip.path is not None:
        path = service.clip_files.path(clip.path)
        if await run_in_threadpool(path.is_file):
            return FileResponse(path, media_type="video/mp4")
        raise HTTPException(status.HTTP_410_GONE, f"{what} was deleted")
    if clip.state is ClipState.EXPIRED:
        raise HTTPException(status.HTTP_410_GONE, f"{what} expired: {clip.reason}")
    if clip.state is ClipState.FAILED:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{what} failed: {clip.reason}")
    wait_s = _pending_wait_s(service, stored)
    raise HTTPException(
        status.HTTP_404_NOT_FOUND,
        f"{what} is pending: it is written once its camera's post_capture_s has passed; "
        f"retry in {wait_s} s",
        headers={"Retry-After": str(wait_s)},
    )


def _current_clip(service: Service, stored: StoredEvent) -> EventClip | None:
    """The stored clip state, or the clip writer's newer one while the database still says
    pending (its update is retried while the database fails)."""
    clip = stored.clip
    if clip is None or clip.state is not ClipState.PENDING:
        return clip
    latest = service.runtime.clip_status(stored.event.camera_id, stored.event.id)
    if latest is None or latest.state is ClipState.PENDING:
        return clip
    return EventClip(latest.state, latest.error, latest.relative_path)


def _pending_wait_s(service: Service, stored: StoredEvent) -> int:
    """Whole seconds until a pending clip should be written (at least 1)."""
    latest = service.runtime.clip_status(stored.event.camera_id, stored.event.id)
    due = latest.until if latest is not None else stored.event.time + DEFAULT_POST_CAPTURE_S
    return max(1, math.ceil(due - time.time()) + 1)


router.include_router(feeds)
router.include_router(media)  # before guarded: /stream must not be taken for an event id
router.include_router(guarded)

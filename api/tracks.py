"""Tracks: open ones per camera, ended ones by time range, and live per-frame feeds.

Each live client reads from its own newest-frame slot: a slow client skips frames (the message's
``index`` shows the gap); it never queues them and never slows the pipeline or other clients.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field, computed_field
from starlette.concurrency import run_in_threadpool

from api.auth import authorize, authorize_media, authorize_websocket
from api.deps import MAX_ID, not_found, service_of
from api.feed_socket import send_until_closed
from api.responses import READ, errors
from api.times import TIME_FORMATS, TimeParam, epoch, iso
from events import TRACK_ENDED
from outputs import FrameResult
from service.ports import LiveCameras
from storage import EventQuery

router = APIRouter(tags=["tracks"], responses=READ)
guarded = APIRouter(dependencies=[Depends(authorize)])
media = APIRouter(dependencies=[Depends(authorize_media)])
"""What browsers load themselves (EventSource): the token may be a query parameter."""


class TrackOut(BaseModel):
    """A track: an object followed across frames."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "door",
                    "track_id": 7,
                    "class_name": "person",
                    "first_seen": 1700000000.5,
                    "first_seen_iso": "2023-11-14T22:13:20.500Z",
                    "last_seen": 1700000004.25,
                    "last_seen_iso": "2023-11-14T22:13:24.250Z",
                    "first_box": [12.0, 40.0, 60.0, 170.0],
                    "last_box": [300.0, 44.0, 351.0, 172.0],
                    "frames": 38,
                    "event_id": "018bd2a7c5e0f3a1b2c3d4e5f6a7b8c9",
                }
            ]
        }
    )

    camera_id: str
    track_id: int
    class_name: str = Field(description="The class it was seen as most often.")
    first_seen: float = Field(description="Epoch seconds of the first sighting.")
    last_seen: float = Field(description="Epoch seconds of the last sighting.")
    first_box: list[float] = Field(description="x1, y1, x2, y2 px when first seen.")
    last_box: list[float] = Field(description="x1, y1, x2, y2 px when last seen.")
    frames: int = Field(description="Frames it was seen in.")
    event_id: str | None = Field(
        None, description="For ended tracks: the ``track.ended`` event that recorded it."
    )

    @computed_field(description="``first_seen`` in ISO-8601, UTC.")  # type: ignore[prop-decorator]
    @property
    def first_seen_iso(self) -> str:
        return iso(self.first_seen)

    @computed_field(description="``last_seen`` in ISO-8601, UTC.")  # type: ignore[prop-decorator]
    @property
    def last_seen_iso(self) -> str:
        return iso(self.last_seen)


def frame_message(result: FrameResult) -> dict[str, Any]:
    height, width = result.image.shape[:2]
    return {
        "camera_id": result.camera_id,
        "index": result.index,
        "pts": result.pts,
        "time": result.received_at,
        "time_iso": iso(result.received_at) if result.received_at is not None else None,
        "width": width,
        "height": height,
        "tracks": list(result.objects()),
    }


@guarded.get(
    "/api/cameras/{camera_id}/tracks", name="active", summary="Open tracks", responses=errors(404)
)
def active_tracks(camera_id: str, request: Request) -> list[TrackOut]:
    """The camera's open tracks right now; 404 if it is not running."""
    runtime = service_of(request).runtime
    try:
        tracks = runtime.active_tracks(camera_id)
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    return [
        TrackOut(
            camera_id=camera_id,
            track_id=t.track_id,
            class_name=t.main_class(),
            first_seen=t.first_seen,
            last_seen=t.last_seen,
            first_box=list(t.first_box),
            last_box=list(t.last_box),
            frames=t.frames,
        )
        for t in tracks
    ]


@guarded.get("/api/tracks", name="history", summary="Ended tracks")
async def track_history(
    request: Request,
    camera: Annotated[list[str] | None, Query(description="Camera id; repeatable.")] = None,
    class_name: Annotated[list[str] | None, Query(description="Object class; repeatable.")] = None,
    since: Annotated[
        TimeParam | None, Query(description=f"Ended at or after this time. {TIME_FORMATS}")
    ] = None,
    until: Annotated[
        TimeParam | None, Query(description=f"Ended before this time. {TIME_FORMATS}")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most tracks to return.")] = 100,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_ID, description="Event seq cursor: the ``track.ended`` seq to follow."),
    ] = None,
) -> list[TrackOut]:
    """Tracks that ended in the time range, oldest first (from their ``track.ended`` events)."""
    query = EventQuery(
        camera_ids=tuple(camera or ()),
        types=(TRACK_ENDED,),
        class_names=tuple(class_name or ()),
        since=epoch(since),
        until=epoch(until),
        after_seq=after,
        limit=limit,
    )
    stored = await run_in_threadpool(service_of(request).store.query, query)
    return [
        TrackOut(
            camera_id=s.event.camera_id,
            track_id=s.event.track_id if s.event.track_id is not None else -1,
            class_name=s.event.class_name or "",
            first_seen=s.event.data["first_seen"],
            last_seen=s.event.data["last_seen"],
            first_box=s.event.data["first_box"],
            last_box=s.event.data["last_box"],
            frames=s.event.data["frames"],
            event_id=s.event.id,
        )
        for s in stored
    ]


async def follow_frames(runtime: LiveCameras, camera_id: str) -> AsyncGenerator[FrameResult, None]:
    """The camera's newest tracked frames until it stops; KeyError if it is not running."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def on_put() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: the client is gone
            loop.call_soon_threadsafe(wake.set)

    slot = runtime.subscribe(camera_id, on_put)
    try:
        while not slot.closed:
            await wake.wait()
            wake.clear()
            result = slot.take_nowait()
            if result is not None:
                yield result
    finally:
        runtime.unsubscribe(camera_id, slot)


def _running(request: Request, camera_id: str) -> LiveCameras:
    """Dependency: the runtime, 404 before any streaming starts if the camera is not running."""
    runtime = service_of(request).runtime
    if camera_id not in runtime.camera_ids():
        raise not_found(f"running camera {camera_id!r}")
    return runtime


@media.get(
    "/api/cameras/{camera_id}/tracks/stream",
    response_class=EventSourceResponse,
    name="stream",
    summary="Live tracks (SSE)",
    responses={
        200: {"description": "``frame`` events; their data: AsyncAPI ``FrameMessage``."},
        **errors(404),
    },
)
async def stream_tracks(
    camera_id: str, runtime: Annotated[LiveCameras, Depends(_running)]
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events, one ``frame`` event per analysed frame (newest first when slow); the
    message schema is in ``/asyncapi.json``. Takes ``?access_token=`` (for ``EventSource``)."""
    async with contextlib.aclosing(follow_frames(runtime, camera_id)) as frames:
        async for result in frames:
            yield ServerSentEvent(event="frame", data=frame_message(result))


@router.websocket("/api/cameras/{camera_id}/tracks/ws")
async def tracks_websocket(
    websocket: WebSocket, camera_id: str, _: Annotated[None, Depends(authorize_websocket)]
) -> None:
    """One JSON message per analysed frame (a slow client gets the newest, skipping others)."""
    runtime = service_of(websocket).runtime
    if camera_id not in await run_in_threadpool(runtime.camera_ids):  # cluster: a remote call
        await websocket.close(code=4404, reason=f"no running camera {camera_id!r}")
        return
    await websocket.accept()
    if not await send_until_closed(websocket, _frame_messages(runtime, camera_id)):
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # it left meanwhile
            await websocket.close()  # the camera stopped


async def _frame_messages(
    runtime: LiveCameras, camera_id: str
) -> AsyncGenerator[dict[str, Any], None]:
    """The camera's frames as messages; nothing if it stopped before the client came."""
    with contextlib.suppress(KeyError):
        async with contextlib.aclosing(follow_frames(runtime, camera_id)) as frames:
            async for result in frames:
                yield frame_message(result)


router.include_router(guarded)
router.include_router(media)

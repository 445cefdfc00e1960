"""A camera's video for any stretch still kept (its recordings and its packet ring), and the
list of its recorded segments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.auth import authorize, authorize_media
from api.deps import not_found, service_of
from api.responses import READ, errors
from api.times import TIME_FORMATS, TimeParam, epoch, iso
from runtime.camera_clips import MAX_SPAN_S, ClipUnavailableError
from stream.clip_writer import ClipError

CLIP_START_HEADER = "X-Clip-Start"
CLIP_END_HEADER = "X-Clip-End"

router = APIRouter()
guarded = APIRouter(
    prefix="/api/cameras", tags=["cameras"], dependencies=[Depends(authorize)], responses=READ
)
media = APIRouter(
    prefix="/api/cameras", tags=["cameras"], dependencies=[Depends(authorize_media)], responses=READ
)


class SegmentOut(BaseModel):
    start: float = Field(description="Wall-clock time of its first frame (a keyframe).")
    start_iso: str
    end: float = Field(description="Wall-clock time of its last frame.")
    end_iso: str
    bytes: int


class RecordingsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "door",
                    "segments": [
                        {
                            "start": 1700000000.04,
                            "start_iso": "2023-11-14T22:13:20.040Z",
                            "end": 1700000059.94,
                            "end_iso": "2023-11-14T22:14:19.940Z",
                            "bytes": 30015872,
                        }
                    ],
                    "bytes": 30015872,
                }
            ]
        }
    )

    camera_id: str
    segments: list[SegmentOut] = Field(description="Oldest first.")
    bytes: int = Field(description="All segments together.")


def _known(request: Request, camera_id: str) -> None:
    try:
        service_of(request).cameras.find(camera_id)
    except KeyError:
        raise not_found(f"camera {camera_id!r}") from None


@guarded.get(
    "/{camera_id}/recordings",
    name="recordings",
    summary="A camera's recorded segments",
    responses=errors(404),
)
async def list_recordings(camera_id: str, request: Request) -> RecordingsOut:
    """The camera's continuous-recording segments on disk, oldest first (empty when it does not
    record). Any stretch of them plays through ``/api/cameras/{id}/clip.mp4``."""
    _known(request, camera_id)
    clips = service_of(request).runtime.camera_clips
    segments = [] if clips is None else await run_in_threadpool(clips.segments, camera_id)
    return RecordingsOut(
        camera_id=camera_id,
        segments=[
            SegmentOut(
                start=s.start, start_iso=iso(s.start), end=s.end, end_iso=iso(s.end), bytes=s.bytes
            )
            for s in segments
        ],
        bytes=sum(s.bytes for s in segments),
    )


@media.get(
    "/{camera_id}/clip.mp4",
    response_class=FileResponse,
    name="clip",
    summary="A camera's video for a stretch of time",
    responses={
        200: {
            "description": "An MP4 (H.264, the camera's own video, not re-encoded) from the "
            "last keyframe at or before ``since`` through ``until``; HTTP range requests are "
            "answered with 206.",
            "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                CLIP_START_HEADER: {
                    "description": "Wall-clock time (epoch seconds) of the clip's first frame, "
                    "the video's time 0: a frame at video time t was captured at start + t.",
                    "schema": {"type": "number"},
                },
                CLIP_END_HEADER: {
                    "description": "Wall-clock time (epoch seconds) of its last frame.",
                    "schema": {"type": "number"},
                },
            },
        },
        **errors(404, 416),
    },
)
async def get_camera_clip(
    camera_id: str,
    request: Request,
    since: Annotated[TimeParam, Query(description=f"Start. {TIME_FORMATS}")],
    until: Annotated[TimeParam, Query(description=f"End. {TIME_FORMATS}")],
) -> FileResponse:
    """Any stretch of the camera's video still in its recordings or its packet ring (stitched
    together, without re-encoding), at most an hour. 416 when the stretch is not (wholly) kept:
    the message says what is; 422 when ``until`` is not after ``since`` or the stretch is
    longer than an hour. Takes ``?access_token=`` (for ``<video>``)."""
    _known(request, camera_id)
    start, end = epoch(since), epoch(until)
    assert start is not None and end is not None
    if end <= start or end - start > MAX_SPAN_S:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"until must be after since, and at most {MAX_SPAN_S:g} s after it",
        )
    runtime = service_of(request).runtime
    try:
        clip = await run_in_threadpool(runtime.camera_clip, camera_id, start, end)
    except ClipUnavailableError as error:
        raise HTTPException(
            status.HTTP_416_RANGE_NOT_SATISFIABLE,
            f"the stretch from {iso(start)} to {iso(end)} is not kept: {error}",
        ) from None
    except ClipError as error:
        raise not_found(f"clip of camera {camera_id!r}: {error}") from None
    times = {CLIP_START_HEADER: f"{clip.start:.6f}", CLIP_END_HEADER: f"{clip.end:.6f}"}
    return FileResponse(clip.path, media_type="video/mp4", headers=times)


router.include_router(guarded)
router.include_router(media)

"""/api/cameras/{id}/mjpeg: the camera live as ``multipart/x-mixed-replace`` JPEGs with overlays,
for clients without WebRTC (an ``<img>`` shows it). One encoder per camera serves every viewer; a
slow viewer skips to the newest JPEG. Stills: ``/api/cameras/{id}/snapshot.jpg``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from api.auth import authorize_media
from api.deps import not_found
from api.responses import errors
from api.restream import hub_of
from restream import JpegRelay, JpegRelays

router = APIRouter(tags=["live view"], dependencies=[Depends(authorize_media)])

BOUNDARY = "trackcastframe"
IDLE_TIMEOUT_S = 10.0
"""A stream that gets no new frame for this long ends (the camera is down; reconnect later)."""


async def _parts(relays: JpegRelays, relay: JpegRelay) -> AsyncIterator[bytes]:
    sequence = 0
    try:
        while True:
            try:
                item = await asyncio.wait_for(relay.next(sequence), IDLE_TIMEOUT_S)
            except TimeoutError:
                return
            if item is None:
                return
            sequence, jpeg = item
            yield (
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(jpeg)}\r\n\r\n".encode()
                + jpeg
                + b"\r\n"
            )
    finally:
        await relays.leave(relay)


@router.get(
    "/api/cameras/{camera_id}/mjpeg",
    response_class=StreamingResponse,
    name="mjpeg",
    summary="Live MJPEG stream",
    responses={
        200: {
            "description": "JPEG parts as frames come, until the client leaves.",
            "content": {
                f"multipart/x-mixed-replace; boundary={BOUNDARY}": {
                    "schema": {"type": "string", "format": "binary"}
                }
            },
        },
        **errors(401, 404),
    },
)
async def mjpeg(
    camera_id: str,
    request: Request,
    overlay: Annotated[bool, Query(description="Draw the tracks on the frames.")] = True,
) -> StreamingResponse:
    """The camera's analysed frames as they come, as ``multipart/x-mixed-replace`` JPEGs (an
    ``<img>`` plays it; ``?access_token=`` is taken); 404 if it is not running. A slow viewer
    skips to the newest frame."""
    relays = hub_of(request).mjpeg
    try:
        relay = await relays.join(camera_id, overlay)
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    return StreamingResponse(
        _parts(relays, relay),
        media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )

"""/api/cameras/{id}/snapshot.jpg: the newest analysed frame, with or without overlays."""

from __future__ import annotations

from typing import Annotated

import cv2
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import authorize_media
from api.deps import not_found, service_of
from api.responses import READ, errors
from outputs import FrameResult
from outputs.overlay import TrackOverlay

router = APIRouter(tags=["cameras"], dependencies=[Depends(authorize_media)], responses=READ)

JPEG_QUALITY = 85


def _encode(result: FrameResult, overlay: bool) -> bytes:
    image = TrackOverlay().draw(result) if overlay else result.image
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return jpeg.tobytes()


@router.get(
    "/api/cameras/{camera_id}/snapshot.jpg",
    response_class=Response,
    name="snapshot",
    summary="Newest frame as JPEG",
    responses={
        200: {
            "description": "A JPEG.",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(404),
    },
)
async def snapshot(
    camera_id: str,
    request: Request,
    overlay: Annotated[bool, Query(description="Draw the tracks on it.")] = True,
) -> Response:
    """The camera's newest analysed frame as JPEG, with its tracks drawn unless
    ``overlay=false``; 404 until it has analysed one. Takes ``?access_token=`` (for ``<img>``)."""
    try:
        # a call to the camera's node in cluster mode: off the event loop
        result = await run_in_threadpool(service_of(request).runtime.latest, camera_id)
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    if result is None:
        raise not_found(f"frame from camera {camera_id!r} yet")
    jpeg = await run_in_threadpool(_encode, result, overlay)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

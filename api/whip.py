"""WHIP (WebRTC-HTTP ingest): a browser or OBS publishes a camera's video.

``POST /api/cameras/{id}/whip`` with an ``application/sdp`` offer (video, candidates included: no
trickle ICE) returns ``201``, the SDP answer and a ``Location`` to ``DELETE`` when done. The camera
must be configured with ``url: "whip:"``; its frames are then detected, tracked, turned into events
and restreamed like any camera's. Publishing needs an admin token (``Authorization: Bearer``).
Publishers are bounded like viewers (config ``webrtc.publishers``, see :mod:`api.whep`): a
publisher not connected within ``connect_timeout_s`` is closed and the camera waits again.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from api.auth import authorize
from api.caller import caller_of
from api.responses import ErrorOut, errors
from api.restream import (
    SDP_ANSWER_RESPONSE,
    SDP_OFFER_BODY,
    answering,
    end_session,
    publishers_of,
    read_sdp_offer,
    sdp_answer,
)
from restream.whip import NotPublishableError, PublisherBusyError

router = APIRouter(tags=["live ingest"], dependencies=[Depends(authorize)])


@router.post(
    "/api/cameras/{camera_id}/whip",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    name="whip_start",
    summary="Start publishing (WHIP)",
    openapi_extra=SDP_OFFER_BODY,
    responses={
        201: SDP_ANSWER_RESPONSE,
        **errors(400, 401, 403, 404, 413, 415, 429, 503),
        409: {
            "model": ErrorOut,
            "description": "The camera is not a ``whip:`` camera, or it has a publisher already.",
        },
    },
)
async def start_publishing(camera_id: str, request: Request) -> Response:
    """Start publishing a ``whip:`` camera's video: the body is an ``application/sdp`` offer
    that sends video (no trickle ICE); the answer comes back the same way. One publisher per
    camera."""
    offer = await read_sdp_offer(request)
    with answering(camera_id):
        try:
            answer = await publishers_of(request).create(
                camera_id, offer, caller=caller_of(request)
            )
        except (NotPublishableError, PublisherBusyError) as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return sdp_answer(answer.sdp, f"/api/cameras/{camera_id}/whip/{answer.session_id}")


@router.delete(
    "/api/cameras/{camera_id}/whip/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="whip_stop",
    summary="Stop publishing (WHIP)",
    responses=errors(401, 403, 404),
)
async def stop_publishing(camera_id: str, session_id: str, request: Request) -> None:
    """End a publisher session: its peer connection closes, the camera waits for the next one."""
    await end_session(publishers_of(request), camera_id, session_id, "publisher")

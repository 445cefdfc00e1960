"""WHEP (WebRTC-HTTP egress): ``POST /api/cameras/{id}/whep`` with an SDP offer returns ``201``,
the SDP answer and a ``Location`` to ``DELETE`` when done. The answer sends H.264 video (the
camera's frames, encoded once for all viewers) and, on a data channel the client opens, one JSON
message per frame with its tracks keyed by the frame's RTP time (see :mod:`restream`).

``?overlay=burned`` sends the frames with the tracks drawn in, for clients that cannot draw.
Viewing needs a viewer token (``Authorization: Bearer``, or ``access_token``). Sessions are
bounded (config ``webrtc``): an offer longer than ``max_offer_bytes`` gets 413; a token (a client
address in open mode) holding ``viewers.per_token`` sessions, or ``viewers.pending_per_token`` not
yet connected, gets 429, and a full server 503, both with ``Retry-After``; a session not connected
within ``connect_timeout_s`` of its offer is closed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.auth import authorize_watching
from api.caller import caller_of
from api.responses import errors
from api.restream import (
    SDP_ANSWER_RESPONSE,
    SDP_OFFER_BODY,
    answering,
    end_session,
    hub_of,
    read_sdp_offer,
    sdp_answer,
)

router = APIRouter(tags=["live view"], dependencies=[Depends(authorize_watching)])


@router.post(
    "/api/cameras/{camera_id}/whep",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    name="whep_start",
    summary="Start watching (WHEP)",
    openapi_extra=SDP_OFFER_BODY,
    responses={
        201: SDP_ANSWER_RESPONSE,
        **errors(400, 401, 404, 413, 415, 429, 503),
    },
)
async def start_viewing(
    camera_id: str,
    request: Request,
    overlay: Annotated[
        Literal["client", "burned"],
        Query(description="client: tracks on the data channel only; burned: also drawn in."),
    ] = "client",
) -> Response:
    """Start a viewer session: the body is an ``application/sdp`` offer with its candidates (no
    trickle ICE); the answer comes back the same way."""
    offer = await read_sdp_offer(request)
    with answering(camera_id):
        answer = await hub_of(request).whep.create(
            camera_id, offer, caller=caller_of(request), burn_overlay=overlay == "burned"
        )
    return sdp_answer(answer.sdp, f"/api/cameras/{camera_id}/whep/{answer.session_id}")


@router.delete(
    "/api/cameras/{camera_id}/whep/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="whep_stop",
    summary="Stop watching (WHEP)",
    responses=errors(401, 404),
)
async def stop_viewing(camera_id: str, session_id: str, request: Request) -> None:
    """End a viewer session: its peer connection closes."""
    await end_session(hub_of(request).whep, camera_id, session_id, "viewer")

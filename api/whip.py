"""WHIP (WebRTC-HTTP ingest): a browser or OBS publishes a camera's video.

``POST /api/cameras/{id}/whip`` with an ``application/sdp`` offer (video, candidates included: no
trickle ICE) returns ``201``, the SDP answer and a ``Location`` to ``DELETE`` when done. The camera
must be configured with ``url: "whip:"``; its frames are then detected, tracked, turned into events
and restreamed like any camera's. Publishing needs an admin token (``Authorization: Bearer``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from api.auth import authorize
from api.deps import not_found
from api.restream import SDP, publishers_of, read_sdp_offer, sdp_answer
from restream.peers import OfferError, SessionLimitError
from restream.whip import NotPublishableError, PublisherBusyError

router = APIRouter(tags=["live ingest"], dependencies=[Depends(authorize)])


@router.post(
    "/api/cameras/{camera_id}/whip",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={201: {"content": {SDP: {}}, "description": "The SDP answer."}},
)
async def start_publishing(camera_id: str, request: Request) -> Response:
    """Start publishing: the body is an ``application/sdp`` offer that sends video."""
    offer = await read_sdp_offer(request)
    try:
        answer = await publishers_of(request).create(camera_id, offer)
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    except (NotPublishableError, PublisherBusyError) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except OfferError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    except SessionLimitError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from None
    return sdp_answer(answer.sdp, f"/api/cameras/{camera_id}/whip/{answer.session_id}")


@router.delete("/api/cameras/{camera_id}/whip/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def stop_publishing(camera_id: str, session_id: str, request: Request) -> None:
    """End a publisher session: its peer connection closes, the camera waits for the next one."""
    publishers = publishers_of(request)
    if not any(s.id == session_id and s.camera_id == camera_id for s in publishers.sessions()):
        raise not_found(f"publisher session {session_id!r}")
    await publishers.delete(session_id)

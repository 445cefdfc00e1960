"""WHEP (WebRTC-HTTP egress): ``POST /api/cameras/{id}/whep`` with an SDP offer returns ``201``,
the SDP answer and a ``Location`` to ``DELETE`` when done. The answer sends H.264 video (the
camera's frames, encoded once for all viewers) and, on a data channel the client opens, one JSON
message per frame with its tracks keyed by the frame's RTP time (see :mod:`restream`).

``?overlay=burned`` sends the frames with the tracks drawn in, for clients that cannot draw.
Viewing needs a viewer token (``Authorization: Bearer``, or ``access_token``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import TOKEN_QUERY, Authorizer
from api.deps import not_found
from api.restream import hub_of
from restream.manager import OfferError, SessionLimitError

SDP = "application/sdp"
_bearer = HTTPBearer(auto_error=False, description="An API token (viewer or admin).")


def authorize_viewer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Watching is reading, whatever the method: a viewer token is enough."""
    authorizer: Authorizer = request.app.state.auth
    token = credentials.credentials if credentials else request.query_params.get(TOKEN_QUERY)
    if not authorizer.allows(token, "viewer"):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid API token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )


router = APIRouter(tags=["live view"], dependencies=[Depends(authorize_viewer)])


@router.post(
    "/api/cameras/{camera_id}/whep",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={201: {"content": {SDP: {}}, "description": "The SDP answer."}},
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
    if request.headers.get("content-type", "").split(";")[0].strip() != SDP:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"send the offer as {SDP}")
    offer = (await request.body()).decode("utf-8", errors="replace")
    try:
        answer = await hub_of(request).whep.create(
            camera_id, offer, burn_overlay=overlay == "burned"
        )
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    except OfferError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    except SessionLimitError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from None
    location = f"/api/cameras/{camera_id}/whep/{answer.session_id}"
    return Response(
        answer.sdp,
        status_code=status.HTTP_201_CREATED,
        media_type=SDP,
        headers={"Location": location, "Cache-Control": "no-store"},
    )


@router.delete("/api/cameras/{camera_id}/whep/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def stop_viewing(camera_id: str, session_id: str, request: Request) -> None:
    """End a viewer session: its peer connection closes."""
    whep = hub_of(request).whep
    if not any(s.id == session_id and s.camera_id == camera_id for s in whep.sessions()):
        raise not_found(f"viewer session {session_id!r}")
    await whep.delete(session_id)

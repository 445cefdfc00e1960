"""The app's :class:`restream.RestreamHub` (WHEP sessions, MJPEG relays) and its WHIP publishers,
made on first use and closed when the app shuts down.

``TRACKCAST_WEBRTC_HOSTS`` (comma-separated addresses, e.g. ``127.0.0.1``) makes WebRTC gather
host candidates on exactly those addresses; unset, it uses every interface but loopback. Tests
set ``app.state.webrtc_ice`` instead.
"""

from __future__ import annotations

import os

from fastapi import FastAPI, HTTPException, Request, Response, WebSocket, status

from api.deps import service_of
from restream import IceSettings, RestreamHub
from restream.whip import WhipPublishers

WEBRTC_HOSTS_ENV = "TRACKCAST_WEBRTC_HOSTS"


def _ice(app: FastAPI) -> IceSettings:
    configured: IceSettings | None = getattr(app.state, "webrtc_ice", None)
    if configured is not None:
        return configured
    hosts = os.environ.get(WEBRTC_HOSTS_ENV, "")
    addresses = tuple(h.strip() for h in hosts.split(",") if h.strip())
    return IceSettings(addresses or None)


def hub_of(request: Request | WebSocket) -> RestreamHub:
    app: FastAPI = request.app
    hub: RestreamHub | None = getattr(app.state, "restream", None)
    if hub is None:
        hub = app.state.restream = RestreamHub(service_of(request).runtime, _ice(app))
    return hub


def publishers_of(request: Request) -> WhipPublishers:
    app: FastAPI = request.app
    publishers: WhipPublishers | None = getattr(app.state, "whip", None)
    if publishers is None:
        publishers = app.state.whip = WhipPublishers(service_of(request).runtime, _ice(app))
    return publishers


async def close_restream(app: FastAPI) -> None:
    """Close every publisher's and viewer's peer connection and stop every encoder (app
    shutdown)."""
    publishers: WhipPublishers | None = getattr(app.state, "whip", None)
    if publishers is not None:
        await publishers.close()
    hub: RestreamHub | None = getattr(app.state, "restream", None)
    if hub is not None:
        await hub.close()


SDP = "application/sdp"


async def read_sdp_offer(request: Request) -> str:
    """The request body as an SDP offer; 415 unless it is sent as ``application/sdp``."""
    if request.headers.get("content-type", "").split(";")[0].strip() != SDP:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"send the offer as {SDP}")
    return (await request.body()).decode("utf-8", errors="replace")


def sdp_answer(sdp: str, location: str) -> Response:
    """``201 Created`` with the SDP answer and the session's ``Location`` (WHEP and WHIP)."""
    return Response(
        sdp,
        status_code=status.HTTP_201_CREATED,
        media_type=SDP,
        headers={"Location": location, "Cache-Control": "no-store"},
    )

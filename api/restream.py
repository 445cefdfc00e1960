"""The app's :class:`restream.RestreamHub` (WHEP sessions, MJPEG relays) and its WHIP publishers,
made on first use (bounded by the config's ``webrtc`` section) and closed when the app shuts down.

``TRACKCAST_WEBRTC_HOSTS`` (comma-separated addresses, e.g. ``127.0.0.1``) makes WebRTC gather
host candidates on exactly those addresses; unset, it uses every interface but loopback. Tests
set ``app.state.webrtc_ice`` instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from fastapi import FastAPI, HTTPException, Request, Response, WebSocket, status

from api.deps import not_found, service_of
from config.webrtc import SessionCapsConfig, WebrtcConfig
from restream import IceSettings, RestreamHub
from restream.admission import CallerLimitError, SessionLimitError, SessionLimits
from restream.metrics import SessionCollector
from restream.offer import OfferError, OfferLimits, OfferTooLargeError
from restream.peers import SessionStats
from restream.whip import WhipPublishers
from service import Service

WEBRTC_HOSTS_ENV = "TRACKCAST_WEBRTC_HOSTS"


def _ice(app: FastAPI) -> IceSettings:
    configured: IceSettings | None = getattr(app.state, "webrtc_ice", None)
    if configured is not None:
        return configured
    hosts = os.environ.get(WEBRTC_HOSTS_ENV, "")
    addresses = tuple(h.strip() for h in hosts.split(",") if h.strip())
    return IceSettings(addresses or None)


def _webrtc(request: Request | WebSocket) -> WebrtcConfig:
    return service_of(request).config.webrtc


def _limits(webrtc: WebrtcConfig, caps: SessionCapsConfig) -> SessionLimits:
    return SessionLimits(
        max_sessions=caps.max_sessions,
        per_caller=caps.per_token,
        pending_per_caller=caps.pending_per_token,
        connect_timeout_s=webrtc.connect_timeout_s,
    )


def hub_of(request: Request | WebSocket) -> RestreamHub:
    app: FastAPI = request.app
    hub: RestreamHub | None = getattr(app.state, "restream", None)
    if hub is None:
        webrtc = _webrtc(request)
        hub = app.state.restream = RestreamHub(
            service_of(request).runtime,
            _ice(app),
            _limits(webrtc, webrtc.viewers),
            OfferLimits(max_bytes=webrtc.max_offer_bytes),
        )
    return hub


def publishers_of(request: Request) -> WhipPublishers:
    app: FastAPI = request.app
    publishers: WhipPublishers | None = getattr(app.state, "whip", None)
    if publishers is None:
        webrtc = _webrtc(request)
        publishers = app.state.whip = WhipPublishers(
            service_of(request).runtime,
            _ice(app),
            _limits(webrtc, webrtc.publishers),
            OfferLimits(max_bytes=webrtc.max_offer_bytes),
        )
    return publishers


def register_restream_metrics(app: FastAPI) -> None:
    """Count the app's WebRTC sessions in ``/metrics`` (once their kind has been used)."""

    def stats() -> list[SessionStats]:
        hub: RestreamHub | None = getattr(app.state, "restream", None)
        publishers: WhipPublishers | None = getattr(app.state, "whip", None)
        return [
            *([hub.whep.stats()] if hub is not None else []),
            *([publishers.stats()] if publishers is not None else []),
        ]

    service: Service = app.state.service
    service.metrics.registry.register(SessionCollector(stats))


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
    """The request body as an SDP offer; 415 unless it is sent as ``application/sdp``, 413 when it
    is longer than ``webrtc.max_offer_bytes`` (told by its Content-Length before anything is
    read, or counted while reading: no more than that is ever read)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != SDP:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"send the offer as {SDP}")
    limit = _webrtc(request).max_offer_bytes
    too_large = HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"the offer is longer than {limit} bytes"
    )
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return body.decode("utf-8", errors="replace")


@contextmanager
def answering(camera_id: str) -> Iterator[None]:
    """HTTP errors for what answering an offer raises: 404 for a camera that is not running, 400
    for an offer that cannot be answered, 413 for one too large, 429 when the caller holds all
    the sessions it may, 503 when no session can be taken (both with ``Retry-After``)."""
    try:
        yield
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    except OfferTooLargeError as error:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(error)) from None
    except OfferError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    except SessionLimitError as error:
        code = (
            status.HTTP_429_TOO_MANY_REQUESTS
            if isinstance(error, CallerLimitError)
            else status.HTTP_503_SERVICE_UNAVAILABLE
        )
        retry = {"Retry-After": str(error.retry_after)}
        raise HTTPException(code, str(error), headers=retry) from None


class _Session(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def camera_id(self) -> str: ...


class _Sessions(Protocol):
    def sessions(self) -> Sequence[_Session]: ...

    async def delete(self, session_id: str) -> bool: ...


async def end_session(sessions: _Sessions, camera_id: str, session_id: str, noun: str) -> None:
    """Delete the camera's session ``session_id``; 404 (naming the ``noun``) if there is none."""
    if not any(s.id == session_id and s.camera_id == camera_id for s in sessions.sessions()):
        raise not_found(f"{noun} session {session_id!r}")
    await sessions.delete(session_id)


SDP_ANSWER_EXAMPLE = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n..."
"""What the documentation shows for an SDP answer (the start of one)."""

SDP_OFFER_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            SDP: {
                "schema": {"type": "string"},
                "example": "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\n...",
            }
        },
    }
}
"""The OpenAPI request body of a WHEP or WHIP offer (``openapi_extra``): the route reads the raw
``application/sdp`` body itself."""

SDP_ANSWER_RESPONSE: dict[str, Any] = {
    "content": {SDP: {"schema": {"type": "string"}, "example": SDP_ANSWER_EXAMPLE}},
    "description": "The SDP answer; ``Location`` names the session.",
}
"""The documented ``201`` of a WHEP or WHIP offer."""


def sdp_answer(sdp: str, location: str) -> Response:
    """``201 Created`` with the SDP answer and the session's ``Location`` (WHEP and WHIP)."""
    return Response(
        sdp,
        status_code=status.HTTP_201_CREATED,
        media_type=SDP,
        headers={"Location": location, "Cache-Control": "no-store"},
    )

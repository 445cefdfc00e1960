"""The app's :class:`restream.RestreamHub` (WHEP sessions, MJPEG relays) and its WHIP publishers,
made on first use and closed when the app shuts down.

``TRACKCAST_WEBRTC_HOSTS`` (comma-separated addresses, e.g. ``127.0.0.1``) makes WebRTC gather
host candidates on exactly those addresses; unset, it uses every interface but loopback. Tests
set ``app.state.webrtc_ice`` instead.
"""

from __future__ import annotations

import os

from fastapi import FastAPI, Request, WebSocket

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

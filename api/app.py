"""The FastAPI application around a :class:`service.Service`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api import (
    analytics,
    asyncapi,
    camera_clips,
    cameras,
    cluster_errors,
    dead_letters,
    docs,
    events,
    health,
    metrics,
    mjpeg,
    service_health,
    snapshots,
    tracks,
    validation_errors,
    viewer,
    whep,
    whip,
)
from api.auth import Authorizer
from api.body_limit import BodyLimitMiddleware
from api.http_metrics import HttpMetricsMiddleware
from api.local_only import LocalOnly
from api.restream import close_restream, register_restream_metrics
from service import Service

DESCRIPTION = """\
Send an API token as `Authorization: Bearer <token>`: a viewer token reads, an admin token also
changes things. Routes that browsers load themselves (images, MJPEG, SSE, WebSocket) also take it
as `?access_token=`.

Times are epoch seconds, with the same instant in ISO-8601 beside them (`time_iso`); time
parameters take either. The WebSocket and SSE feeds are described in
[/asyncapi.json](/asyncapi.json).
"""

TAGS = [
    {"name": "cameras", "description": "Add, read, change and remove cameras; snapshots."},
    {"name": "events", "description": "Stored events, their thumbnails and live feeds."},
    {"name": "tracks", "description": "Open and ended tracks, and per-frame live feeds."},
    {"name": "analytics", "description": "Counts per interval, live line and zone state."},
    {"name": "delivery", "description": "Events webhooks and MQTT gave up on."},
    {"name": "live view", "description": "MJPEG and WebRTC (WHEP) live video with overlays."},
    {"name": "live ingest", "description": "WebRTC (WHIP) publishing into a ``whip:`` camera."},
    {"name": "operations", "description": "Liveness, readiness, health and metrics."},
]


def operation_id(route: APIRoute) -> str:
    """``<tag>_<route name>``, e.g. ``cameras_create``: stable across path changes, short
    enough for generated clients' method names."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag.replace(' ', '_')}_{route.name}"


def create_app(service: Service) -> FastAPI:
    """The app starts the service when it starts and stops (and flushes) it when it stops;
    ``app.state.stopped_clean`` then says whether every thread ended and every event was kept."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            await close_restream(app)
            app.state.stopped_clean = await run_in_threadpool(service.stop)

    app = FastAPI(
        title="trackcast",
        summary="Cameras, live tracks and events over REST, WebSocket and SSE.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    docs.install(app)
    app.add_middleware(BodyLimitMiddleware)
    validation_errors.install(app)
    cluster_errors.install(app)
    app.state.service = service
    app.state.cameras = service.cameras
    app.state.auth = Authorizer(service.config.auth, service.admin_token)
    app.state.ready = False
    register_restream_metrics(app)
    routers = (health, service_health, metrics, cameras, snapshots, tracks, events, analytics)
    for module in (*routers, camera_clips, dead_letters, mjpeg, whep, whip, viewer, asyncapi):
        app.include_router(module.router)
    if service.config.auth.open:
        app.add_middleware(LocalOnly, config=service.config.auth)
    app.add_middleware(HttpMetricsMiddleware, metrics=service.metrics)  # outermost: counts all
    return app

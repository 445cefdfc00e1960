"""The FastAPI application around a :class:`service.Service`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import (
    analytics,
    cameras,
    dead_letters,
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
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware)
    validation_errors.install(app)
    app.state.service = service
    app.state.cameras = service.cameras
    app.state.auth = Authorizer(service.config.auth, service.admin_token)
    app.state.ready = False
    register_restream_metrics(app)
    routers = (health, service_health, metrics, cameras, snapshots, tracks, events, analytics)
    for module in (*routers, dead_letters, mjpeg, whep, whip, viewer):
        app.include_router(module.router)
    if service.config.auth.open:
        app.add_middleware(LocalOnly, config=service.config.auth)
    app.add_middleware(HttpMetricsMiddleware, metrics=service.metrics)  # outermost: counts all
    return app

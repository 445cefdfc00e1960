"""The FastAPI application around a camera runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import cameras, health
from runtime.camera_set import CameraSet


def create_app(camera_set: CameraSet) -> FastAPI:
    """The app starts the cameras when it starts and stops every thread when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(camera_set.start)
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            await run_in_threadpool(camera_set.runtime.stop)

    app = FastAPI(title="trackcast", lifespan=lifespan)
    app.state.cameras = camera_set
    app.state.ready = False
    app.include_router(health.router)
    app.include_router(cameras.router)
    return app

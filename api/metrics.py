"""/metrics in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api.deps import service_of

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    name="metrics",
    summary="Prometheus metrics",
    responses={
        200: {
            "description": "The Prometheus text format.",
            "content": {
                "text/plain": {
                    "schema": {"type": "string"},
                    "example": 'trackcast_camera_fps_in{camera="door"} 25.0\n',
                }
            },
        }
    },
)
async def metrics(request: Request) -> Response:
    """Per camera: fps in and out, frames, drops, reconnects, queue depth; detector latency;
    events emitted, stored, delivered and failed."""
    registry = service_of(request).metrics.registry
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

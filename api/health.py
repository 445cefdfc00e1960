"""/healthz (the process answers) and /readyz (every thread alive and storage writing)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from service import Service
from service.readiness import readiness

router = APIRouter(tags=["operations"])


class ThreadOut(BaseModel):
    name: str
    state: str = Field(description="'dead' (its loop raised) or 'stalled' (no heartbeat in time).")
    beat_age_s: float = Field(description="Seconds since its last heartbeat.")
    error: str | None = Field(None, description="Why a dead thread died.")


class ReadyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready"}]})

    status: Literal["starting", "ready", "unavailable"]
    threads: list[ThreadOut] | None = Field(None, description="Threads that died or are stuck.")
    storage_error: str | None = Field(None, description="Why writing events keeps failing.")


class AliveOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"]


@router.get("/healthz", name="healthz", summary="Liveness")
def healthz() -> AliveOut:
    """200 whenever the process answers HTTP (no token needed): for a liveness probe."""
    return AliveOut(status="ok")


@router.get(
    "/readyz",
    response_model_exclude_none=True,
    name="readyz",
    summary="Readiness",
    responses={
        503: {
            "model": ReadyOut,
            "description": "Starting, or a thread is dead or stuck, or storage fails.",
            "content": {
                "application/json": {
                    "example": {"status": "unavailable", "storage_error": "disk full"}
                }
            },
        }
    },
)
def readyz(request: Request, response: Response) -> ReadyOut:
    """200 ``ready`` when every thread of the service is alive and storage writes (no token
    needed): for a readiness probe. 503 while starting, and while a thread of the service is dead
    or stuck or storage fails (a camera that failed is shown on the camera, not here)."""
    if not getattr(request.app.state, "ready", False):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return ReadyOut(status="starting")
    service: Service = request.app.state.service
    state = readiness(service)
    if state.ready:
        return ReadyOut(status="ready")
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    threads = [
        ThreadOut(
            name=t.name, state=t.state.value, beat_age_s=round(t.beat_age_s, 1), error=t.error
        )
        for t in state.unhealthy
    ]
    return ReadyOut(
        status="unavailable", threads=threads or None, storage_error=state.storage_error
    )

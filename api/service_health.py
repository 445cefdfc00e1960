"""/api/health: whether the service keeps what it sees. A full disk or a database that is down
shows here (and on /readyz and /metrics), not on the cameras, which keep streaming meanwhile."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth import authorize
from api.deps import service_of
from api.responses import READ
from storage.health import StoragePart
from stream.redact import redact_text

router = APIRouter(
    prefix="/api/health", tags=["operations"], dependencies=[Depends(authorize)], responses=READ
)


class StorageFailureOut(BaseModel):
    kind: StoragePart = Field(
        description="database: events are not stored (held in memory, /readyz is 503); "
        "thumbnail: events are stored without thumbnails; retention: old events stay."
    )
    reason: str = Field(description="The last error.")
    since: float = Field(description="Unix time of the first failure.")
    failing_s: float = Field(description="Seconds it has been failing.")


class StorageOut(BaseModel):
    state: Literal["ok", "failing"]
    failures: list[StorageFailureOut]
    events_pending: int = Field(description="Events held in memory, not yet stored.")
    events_pending_limit: int = Field(
        description="storage.max_pending_events: past it, new events are dropped (counted)."
    )
    events_dropped: int = Field(description="Events dropped because too many were held.")
    events_lost: int = Field(description="Events not stored at a stop while storage failed.")


class HealthOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "storage": {
                        "state": "ok",
                        "failures": [],
                        "events_pending": 0,
                        "events_pending_limit": 10000,
                        "events_dropped": 0,
                        "events_lost": 0,
                    },
                }
            ]
        }
    )

    status: Literal["ok", "degraded"] = Field(description="degraded while storage fails.")
    storage: StorageOut


@router.get("", name="health", summary="Storage health")
def health(request: Request) -> HealthOut:
    """Whether the service keeps what it sees: storage failures (database, thumbnails,
    retention), and events held in memory, dropped or lost meanwhile."""
    service = service_of(request)
    writer = service.writer
    failures = [
        StorageFailureOut(
            kind=failure.part,
            reason=redact_text(failure.reason),
            since=failure.since,
            failing_s=round(failure.failing_s, 1),
        )
        for failure in service.storage_health.failures()
    ]
    storage = StorageOut(
        state="failing" if failures else "ok",
        failures=failures,
        events_pending=writer.pending(),
        events_pending_limit=writer.max_pending,
        events_dropped=writer.dropped,
        events_lost=writer.lost,
    )
    return HealthOut(status="degraded" if failures else "ok", storage=storage)

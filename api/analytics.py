"""Analytics: stored footfall counts (JSON or CSV), live line and zone state, heatmaps."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from analytics import Heatmap
from analytics.lines import LineCrossing
from analytics.zones import ZoneMonitor
from api.auth import authorize, authorize_media
from api.deps import not_found, service_of
from storage import INTERVALS_S, CountQuery

router = APIRouter()
guarded = APIRouter(tags=["analytics"], dependencies=[Depends(authorize)])
images = APIRouter(tags=["analytics"], dependencies=[Depends(authorize_media)])


class CountOut(BaseModel):
    camera_id: str
    region: str
    kind: Literal["line", "zone"]
    direction: str
    """The line's direction name, or ``entered`` / ``exited`` for a zone."""
    class_name: str
    bucket_start: int
    """Start of the interval, epoch seconds (UTC days for ``1d``)."""
    count: int


CSV_FIELDS = list(CountOut.model_fields)


@guarded.get(
    "/api/counts",
    responses={200: {"content": {"text/csv": {}}, "description": "JSON list, or CSV"}},
)
async def get_counts(
    request: Request,
    camera: Annotated[list[str] | None, Query(description="Camera id; repeatable.")] = None,
    region: Annotated[list[str] | None, Query(description="Line or zone name.")] = None,
    kind: Annotated[list[Literal["line", "zone"]] | None, Query()] = None,
    class_name: Annotated[list[str] | None, Query()] = None,
    since: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    until: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    interval: Annotated[Literal["1m", "15m", "1h", "1d"], Query()] = "1h",
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    """Crossings per line and direction and entries/exits per zone, per class, summed per
    interval (stored in 1-minute buckets)."""
    query = CountQuery(
        camera_ids=tuple(camera or ()),
        regions=tuple(region or ()),
        kinds=tuple(kind or ()),
        class_names=tuple(class_name or ()),
        since=since,
        until=until,
        interval_s=INTERVALS_S[interval],
    )
    rows = await run_in_threadpool(service_of(request).store.counts, query)
    counts = [CountOut.model_validate(row, from_attributes=True) for row in rows]
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(c.model_dump() for c in counts)
        return Response(buffer.getvalue(), media_type="text/csv")
    body = "[" + ",".join(c.model_dump_json() for c in counts) + "]"
    return Response(body, media_type="application/json")


class LineState(BaseModel):
    name: str
    counts: dict[str, dict[str, int]]
    """Direction name → class → crossings since the camera started."""


class ZoneState(BaseModel):
    name: str
    occupancy: dict[str, int]
    """Class → tracks inside now."""


class AnalyticsState(BaseModel):
    lines: list[LineState]
    zones: list[ZoneState]


@guarded.get("/api/cameras/{camera_id}/analytics")
def live_analytics(camera_id: str, request: Request) -> AnalyticsState:
    """Live state of the camera's lines and zones (since it started)."""
    try:
        analysers = service_of(request).runtime.analysers(camera_id)
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    return AnalyticsState(
        lines=[
            LineState(name=a.line.name, counts=a.counts())
            for a in analysers
            if isinstance(a, LineCrossing)
        ],
        zones=[
            ZoneState(name=a.zone.name, occupancy=a.occupancy())
            for a in analysers
            if isinstance(a, ZoneMonitor)
        ],
    )


@images.get(
    "/api/cameras/{camera_id}/heatmap.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def heatmap(
    camera_id: str,
    request: Request,
    background: Annotated[bool, Query(description="Blend over the newest frame.")] = True,
) -> Response:
    """Where the camera's tracks have been since it started, as a PNG overlay."""
    runtime = service_of(request).runtime
    try:
        found = [a for a in runtime.analysers(camera_id) if isinstance(a, Heatmap)]
        latest = runtime.latest(camera_id)
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    if not found or latest is None:
        raise not_found(f"heatmap for camera {camera_id!r} yet")
    image = latest.image if background else None
    png = await run_in_threadpool(found[0].render_png, image)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


router.include_router(guarded)
router.include_router(images)

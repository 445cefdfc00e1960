"""Analytics: stored footfall counts (JSON or CSV), live line and zone state, heatmaps."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from analytics.counts import CountRow
from api.auth import authorize, authorize_media
from api.deps import not_found, service_of
from api.local_buckets import FINER_S, regroup
from api.responses import READ, errors
from api.times import TIME_FORMATS, TimeParam, ZoneName, epoch
from service import Service
from storage import INTERVALS_S, CountQuery

UTC_ZONE = ZoneInfo("UTC")
COUNT_EXAMPLE: dict[str, Any] = {
    "camera_id": "door",
    "region": "entrance",
    "kind": "line",
    "direction": "in",
    "class_name": "person",
    "bucket_start": 1700002800,
    "bucket_start_iso": "2023-11-14T23:00:00+01:00",
    "count": 12,
}

router = APIRouter()
guarded = APIRouter(tags=["analytics"], dependencies=[Depends(authorize)], responses=READ)
images = APIRouter(tags=["analytics"], dependencies=[Depends(authorize_media)], responses=READ)


class CountOut(BaseModel):
    """One bucket's count for one line direction or zone entry/exit, per class."""

    model_config = ConfigDict(json_schema_extra={"examples": [COUNT_EXAMPLE]})

    camera_id: str
    region: str = Field(description="The line or zone name.")
    kind: Literal["line", "zone"]
    direction: str = Field(
        description="The line's direction name, or ``entered`` / ``exited`` for a zone."
    )
    class_name: str
    bucket_start: int = Field(
        description="Start of the interval, epoch seconds (local midnight for ``1d`` with "
        "``tz``, else UTC)."
    )
    bucket_start_iso: str = Field(
        description="``bucket_start`` in ISO-8601, with the offset of ``tz`` (UTC without it)."
    )
    count: int


CSV_FIELDS = list(CountOut.model_fields)
ZONE_DESCRIPTION = (
    "IANA time zone (e.g. Europe/Berlin) whose hours and days the buckets follow; UTC if unset. "
    "An unknown zone is a 422."
)


def _counts_out(rows: list[CountRow], zone: ZoneInfo) -> list[CountOut]:
    return [
        CountOut(
            **{name: getattr(row, name) for name in CSV_FIELDS if name != "bucket_start_iso"},
            bucket_start_iso=datetime.fromtimestamp(row.bucket_start, zone).isoformat(),
        )
        for row in rows
    ]


def _read_counts(service: Service, query: CountQuery, zone: ZoneInfo | None) -> list[CountOut]:
    """Storage's sums, or, in a zone, finer sums added up into the zone's local buckets."""
    if zone is None:
        return _counts_out(service.store.counts(query), UTC_ZONE)
    finer = replace(query, interval_s=FINER_S[query.interval_s])
    return _counts_out(regroup(service.store.counts(finer), query.interval_s, zone), zone)


@guarded.get(
    "/api/counts",
    name="counts",
    summary="Stored counts per interval",
    response_model=list[CountOut],
    responses={
        200: {
            "description": "The counts as a JSON list, or as CSV with ``format=csv``.",
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": ",".join(CSV_FIELDS)
                    + "\n"
                    + ",".join(str(COUNT_EXAMPLE[name]) for name in CSV_FIELDS),
                }
            },
        },
    },
)
async def get_counts(
    request: Request,
    camera: Annotated[list[str] | None, Query(description="Camera id; repeatable.")] = None,
    region: Annotated[list[str] | None, Query(description="Line or zone name; repeatable.")] = None,
    kind: Annotated[
        list[Literal["line", "zone"]] | None, Query(description="line or zone; repeatable.")
    ] = None,
    class_name: Annotated[list[str] | None, Query(description="Object class; repeatable.")] = None,
    since: Annotated[
        TimeParam | None, Query(description=f"Buckets from this time. {TIME_FORMATS}")
    ] = None,
    until: Annotated[
        TimeParam | None, Query(description=f"Buckets before this time. {TIME_FORMATS}")
    ] = None,
    interval: Annotated[
        Literal["1m", "15m", "1h", "1d"], Query(description="Length of one bucket.")
    ] = "1h",
    tz: Annotated[ZoneName | None, Query(description=ZONE_DESCRIPTION)] = None,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv.")] = "json",
) -> Response:
    """Crossings per line and direction and entries/exits per zone, per class, summed per
    interval (stored in 1-minute buckets). With ``tz`` hours and days start on that zone's
    clock, across DST changes (a local day may last 23 or 25 hours)."""
    query = CountQuery(
        camera_ids=tuple(camera or ()),
        regions=tuple(region or ()),
        kinds=tuple(kind or ()),
        class_names=tuple(class_name or ()),
        since=epoch(since),
        until=epoch(until),
        interval_s=INTERVALS_S[interval],
    )
    zone = ZoneInfo(tz) if tz is not None else None
    counts = await run_in_threadpool(_read_counts, service_of(request), query, zone)
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
    counts: dict[str, dict[str, int]] = Field(
        description="Direction name → class → crossings since the camera started."
    )


class ZoneState(BaseModel):
    name: str
    occupancy: dict[str, int] = Field(description="Class → tracks inside now.")


class AnalyticsState(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lines": [{"name": "entrance", "counts": {"in": {"person": 12}}}],
                    "zones": [{"name": "till", "occupancy": {"person": 2}}],
                }
            ]
        }
    )

    lines: list[LineState]
    zones: list[ZoneState]


@guarded.get(
    "/api/cameras/{camera_id}/analytics",
    name="live",
    summary="Live line and zone state",
    responses=errors(404),
)
def live_analytics(camera_id: str, request: Request) -> AnalyticsState:
    """Live state of the camera's lines (crossings per direction and class) and zones (tracks
    inside now), since it started; 404 if it is not running."""
    try:
        state = service_of(request).runtime.live_state(camera_id)
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    return AnalyticsState(
        lines=[LineState(name=line.name, counts=line.counts) for line in state.lines],
        zones=[ZoneState(name=zone.name, occupancy=zone.occupancy) for zone in state.zones],
    )


@images.get(
    "/api/cameras/{camera_id}/heatmap.png",
    response_class=Response,
    name="heatmap",
    summary="Heatmap PNG",
    responses={
        200: {
            "description": "A PNG.",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(404),
    },
)
async def heatmap(
    camera_id: str,
    request: Request,
    background: Annotated[bool, Query(description="Blend over the newest frame.")] = True,
) -> Response:
    """Where the camera's tracks have been since it started, as a PNG (blended over the newest
    frame unless ``background=false``); 404 until it has a frame. Takes ``?access_token=``."""
    runtime = service_of(request).runtime
    try:
        png = await run_in_threadpool(runtime.heatmap_png, camera_id, background)
    except KeyError:
        raise not_found(f"running camera {camera_id!r}") from None
    if png is None:
        raise not_found(f"heatmap for camera {camera_id!r} yet")
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


router.include_router(guarded)
router.include_router(images)

"""The filters shared by the event list and the live event feeds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from storage import EventQuery


def event_filters(
    camera: Annotated[list[str] | None, Query(description="Camera id; repeat for several.")] = None,
    type: Annotated[
        list[str] | None, Query(description="Event type, e.g. track.started; repeatable.")
    ] = None,
    class_name: Annotated[list[str] | None, Query(description="Object class; repeatable.")] = None,
    region: Annotated[list[str] | None, Query(description="Zone or line name; repeatable.")] = None,
    since: Annotated[
        float | None, Query(allow_inf_nan=False, description="From this time (epoch seconds).")
    ] = None,
    until: Annotated[
        float | None, Query(allow_inf_nan=False, description="Before this time (epoch seconds).")
    ] = None,
) -> EventQuery:
    """The filters of an event query, without paging."""
    return EventQuery(
        camera_ids=tuple(camera or ()),
        types=tuple(type or ()),
        class_names=tuple(class_name or ()),
        regions=tuple(region or ()),
        since=since,
        until=until,
    )

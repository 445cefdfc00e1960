"""The filters shared by the event list and the live event feeds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.times import TIME_FORMATS, TimeParam, epoch
from events import EventType
from storage import EventQuery


def event_filters(
    camera: Annotated[list[str] | None, Query(description="Camera id; repeat for several.")] = None,
    type: Annotated[
        list[EventType] | None,
        Query(description="Event type, e.g. track.started; repeatable. Unknown types are a 422."),
    ] = None,
    class_name: Annotated[list[str] | None, Query(description="Object class; repeatable.")] = None,
    region: Annotated[list[str] | None, Query(description="Zone or line name; repeatable.")] = None,
    since: Annotated[TimeParam | None, Query(description=f"From this time. {TIME_FORMATS}")] = None,
    until: Annotated[
        TimeParam | None, Query(description=f"Before this time. {TIME_FORMATS}")
    ] = None,
) -> EventQuery:
    """The filters of an event query, without paging."""
    return EventQuery(
        camera_ids=tuple(camera or ()),
        types=tuple(str(t) for t in type or ()),
        class_names=tuple(class_name or ()),
        regions=tuple(region or ()),
        since=epoch(since),
        until=epoch(until),
    )

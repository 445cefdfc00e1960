"""The filters shared by the event list and the live event feeds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from events import StoredEvent
from storage import EventQuery


@dataclass(frozen=True, slots=True)
class EventFilters:
    camera_ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    since: float | None = None
    until: float | None = None

    def query(self, *, after: int | None, limit: int) -> EventQuery:
        return EventQuery(
            camera_ids=self.camera_ids,
            types=self.types,
            class_names=self.class_names,
            regions=self.regions,
            since=self.since,
            until=self.until,
            after_seq=after,
            limit=limit,
        )

    def matches(self, stored: StoredEvent) -> bool:
        event = stored.event
        return (
            (not self.camera_ids or event.camera_id in self.camera_ids)
            and (not self.types or event.type in self.types)
            and (not self.class_names or event.class_name in self.class_names)
            and (not self.regions or event.region in self.regions)
            and (self.since is None or event.time >= self.since)
            and (self.until is None or event.time < self.until)
        )


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
) -> EventFilters:
    return EventFilters(
        camera_ids=tuple(camera or ()),
        types=tuple(type or ()),
        class_names=tuple(class_name or ()),
        regions=tuple(region or ()),
        since=since,
        until=until,
    )

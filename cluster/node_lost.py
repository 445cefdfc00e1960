"""Ending the tracks of cameras whose node was lost: the node could not end them itself.

The exact record of a camera's open tracks is the events table, which every subscriber reads:
a track is open when its ``track.started`` event is stored with no ``track.ended`` event for the
same camera and track id after it (:meth:`storage.EventStore.open_tracks`). Only the camera's
current run counts: the search starts after the last ``seq`` stored before the camera started on
the lost node (track ids start again with each run; an earlier run ended its tracks when it
stopped, or was ended here). The controller asks only once the lost node's agent is fenced, so
no event of that run can still arrive.
"""

from __future__ import annotations

from analytics.track_lifecycle import ActiveTrack, as_box, track_ended
from events import Event, StoredEvent
from storage import EventStore

NODE_LOST = "node_lost"
"""The ``reason`` of a ``track.ended`` event written for a camera whose node was lost."""


def end_open_tracks(
    store: EventStore, camera_id: str, after_seq: int, node: str, last_known: float
) -> list[StoredEvent]:
    """Store a ``track.ended`` event, reason ``node_lost``, for each open track of
    ``camera_id`` started after ``after_seq``; ``last_known`` (epoch seconds) is when ``node``
    last answered, the latest the track can be known to have been seen. Returns them."""
    ended = [
        _ended(started, node, last_known) for started in store.open_tracks(camera_id, after_seq)
    ]
    return store.insert([(event, None) for event in ended])


def _ended(started: StoredEvent, node: str, last_known: float) -> Event:
    event = started.event
    box = as_box(event.data.get("box", [0.0, 0.0, 0.0, 0.0]))
    track = ActiveTrack(  # only its first sighting is known here
        track_id=event.track_id if event.track_id is not None else -1,
        class_name=event.class_name or "",
        first_seen=event.time,
        last_seen=max(event.time, last_known),
        first_box=box,
        last_box=box,
        confidence=float(event.data.get("confidence", 0.0)),
    )
    return track_ended(event.camera_id, track, NODE_LOST, node=node)

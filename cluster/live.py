"""What a node agent tells API processes about its cameras' live frames and analysis.

:class:`LiveMethods` is mixed into the node agent actor (``cluster.agent.NodeAgent``): its
methods run on the node that runs the camera and answer API processes on any node. They are
plain blocking methods (the agent is a threaded actor); every wait is bounded by the caller's
``timeout_s``. A camera the node does not run raises KeyError, like ``CameraRuntime``.
"""

from __future__ import annotations

import dataclasses

from analytics import ActiveTrack
from analytics.live_state import LiveState
from cluster.frames import PackedFrame
from runtime.cameras import CameraRuntime
from runtime.clip_recorder import ClipStatus

MAX_WAIT_S = 5.0
"""Longest one ``frame_after`` call holds an agent thread, whatever the caller asks."""


class LiveMethods:
    """Live data of the cameras running in ``self.runtime`` (set by the agent)."""

    runtime: CameraRuntime

    def frame_after(self, camera_id: str, after_index: int, timeout_s: float) -> PackedFrame | None:
        """The camera's newest tracked frame if its index is above ``after_index`` (a new
        camera counts from 0 again: a lower index than the last one seen also counts), else the
        next one within ``timeout_s``; None if none came. KeyError if the camera does not run."""
        slot = self.runtime.subscribe(camera_id)
        try:
            latest = self.runtime.latest(camera_id)
            if latest is not None and latest.index != after_index:
                return PackedFrame.pack(latest)
            result = slot.take(min(timeout_s, MAX_WAIT_S))
            return None if result is None else PackedFrame.pack(result)
        finally:
            self.runtime.unsubscribe(camera_id, slot)

    def latest_frame(self, camera_id: str) -> PackedFrame | None:
        """The camera's newest tracked frame, if any yet."""
        latest = self.runtime.latest(camera_id)
        return None if latest is None else PackedFrame.pack(latest)

    def active_tracks(self, camera_id: str) -> list[ActiveTrack]:
        """The camera's open tracks, without their last crops (the API never shows them)."""
        tracks = self.runtime.active_tracks(camera_id)
        return [dataclasses.replace(track, last_image=None) for track in tracks]

    def live_state(self, camera_id: str) -> LiveState:
        return self.runtime.live_state(camera_id)

    def heatmap_png(self, camera_id: str, background: bool) -> bytes | None:
        return self.runtime.heatmap_png(camera_id, background)

    def clip_status(self, camera_id: str, event_id: str) -> ClipStatus | None:
        return self.runtime.clip_status(camera_id, event_id)

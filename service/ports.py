"""What the API and the restreamers need of a service's cameras and of their running side.

Single-process mode: :class:`runtime.camera_set.CameraSet` and
:class:`runtime.cameras.CameraRuntime` are these. Cluster mode: proxies to the cluster's
controller and to the node agents that run the cameras (``cluster.replica``).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, Protocol

from analytics import ActiveTrack
from analytics.live_state import LiveState
from config import AppConfig, CameraConfig
from outputs import FrameResult
from restream.follow import FrameSource
from runtime.camera_clips import CameraClips
from runtime.camera_set import Camera
from runtime.cameras import CameraStatus
from runtime.clip_recorder import ClipStatus
from runtime.detector_worker import DetectorWorker
from stream.clip_writer import ClipInfo
from stream.heartbeat import ThreadHealth
from stream.push_source import PushSource


class LiveCameras(FrameSource, Protocol):
    """The running cameras: live frames, analysis, clips and the health of their threads."""

    @property
    def camera_clips(self) -> CameraClips | None: ...

    def camera_ids(self) -> list[str]: ...

    def status(self, camera_id: str) -> CameraStatus:
        """KeyError unless the camera runs (or is starting)."""
        ...

    def latest(self, camera_id: str) -> FrameResult | None:
        """KeyError unless the camera runs."""
        ...

    def active_tracks(self, camera_id: str) -> list[ActiveTrack]: ...

    def live_state(self, camera_id: str) -> LiveState:
        """KeyError unless the camera runs."""
        ...

    def heatmap_png(self, camera_id: str, background: bool) -> bytes | None:
        """None until it has a frame or without a heatmap; KeyError unless the camera runs."""
        ...

    def clip_status(self, camera_id: str, event_id: str) -> ClipStatus | None: ...

    def camera_clip(self, camera_id: str, since: float, until: float) -> ClipInfo: ...

    def push_source(self, camera_id: str) -> PushSource | None: ...

    def threads(self) -> list[ThreadHealth]: ...

    def subscriber_count(self) -> int: ...

    def subscriber_skips(self) -> int: ...

    def detector_workers(self) -> list[DetectorWorker]: ...

    def stop(self, timeout_s: float = 15.0) -> bool: ...


class Cameras(Protocol):
    """The camera set: create, change and delete cameras; read their settings and status."""

    @property
    def runtime(self) -> LiveCameras: ...

    @property
    def app_config(self) -> AppConfig: ...

    def start(self) -> None: ...

    def list(self) -> builtins.list[CameraConfig]: ...

    def list_all(self) -> builtins.list[Camera]: ...

    def get(self, camera_id: str) -> CameraConfig: ...

    def find(self, camera_id: str) -> Camera: ...

    def status(self, camera_id: str) -> CameraStatus | None: ...

    def create(self, camera: CameraConfig) -> CameraConfig: ...

    def update(self, camera_id: str, changes: Mapping[str, Any]) -> CameraConfig: ...

    def delete(self, camera_id: str) -> None: ...

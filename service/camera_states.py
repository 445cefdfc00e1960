"""The service's cameras as MQTT sees them: settings and where each one is now, for the
cameras' state topics and Home Assistant discovery (:mod:`delivery.homeassistant`)."""

from __future__ import annotations

from typing import Protocol

from config import CameraConfig
from delivery.homeassistant import CameraSnapshot
from runtime.cameras import CameraStatus


class CameraList(Protocol):
    """What of a camera set the source reads: the service's, or the cluster controller's."""

    def list(self) -> list[CameraConfig]: ...

    def status(self, camera_id: str) -> CameraStatus | None: ...


class CameraSetSource:
    """A :class:`delivery.homeassistant.CameraSource` reading a camera set: every camera with
    valid settings, enabled or not (a disabled one has no state)."""

    def __init__(self, cameras: CameraList) -> None:
        self._cameras = cameras

    def snapshot(self) -> list[CameraSnapshot]:
        snapshots: list[CameraSnapshot] = []
        for camera in self._cameras.list():
            status = self._cameras.status(camera.id) if camera.enabled else None
            snapshots.append(CameraSnapshot(camera, status.health.state if status else None))
        return snapshots

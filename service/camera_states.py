"""The service's cameras as MQTT sees them: settings and where each one is now, for the
cameras' state topics and Home Assistant discovery (:mod:`delivery.homeassistant`)."""

from __future__ import annotations

from delivery.homeassistant import CameraSnapshot
from runtime.camera_set import CameraSet


class CameraSetSource:
    """A :class:`delivery.homeassistant.CameraSource` reading a :class:`CameraSet`: every camera
    with valid settings, enabled or not (a disabled one has no state)."""

    def __init__(self, cameras: CameraSet) -> None:
        self._cameras = cameras

    def snapshot(self) -> list[CameraSnapshot]:
        snapshots: list[CameraSnapshot] = []
        for camera in self._cameras.list():
            status = self._cameras.status(camera.id) if camera.enabled else None
            snapshots.append(CameraSnapshot(camera, status.health.state if status else None))
        return snapshots

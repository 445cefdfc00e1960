"""The cameras a service knows, enabled or not, kept in step with the running runtime."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any, Protocol

from config import AppConfig, CameraConfig
from runtime.cameras import CameraRuntime, CameraStatus

log = logging.getLogger(__name__)


class CameraExistsError(ValueError):
    """A camera with that id is already configured."""


class SavedCameras(Protocol):
    """Where API changes to cameras are kept (``storage.CameraStore``)."""

    def load(self) -> dict[str, CameraConfig | None]:
        """Saved cameras by id; None for a camera deleted through the API."""
        ...

    def save(self, camera: CameraConfig) -> None: ...

    def delete(self, camera_id: str) -> None: ...


class CameraSet:
    """Create, change and delete cameras; enabled ones run in ``runtime``, disabled ones wait."""

    def __init__(self, runtime: CameraRuntime, saved: SavedCameras | None = None) -> None:
        """Cameras come from the config, then ``saved`` API changes apply on top (a camera
        created, changed or deleted through the API stays so after a restart)."""
        self.runtime = runtime
        self._saved = saved
        self._lock = threading.Lock()
        self._configs: dict[str, CameraConfig] = {c.id: c for c in runtime.config.cameras}
        for camera_id, camera in (saved.load() if saved else {}).items():
            if camera is None:
                self._configs.pop(camera_id, None)
            else:
                if camera_id in self._configs and self._configs[camera_id] != camera:
                    log.info("camera %s: using the settings saved through the API", camera_id)
                self._configs[camera_id] = camera

    @property
    def app_config(self) -> AppConfig:
        return self.runtime.config

    def start(self) -> None:
        for camera in self.list():
            if camera.enabled:
                self.runtime.add_camera(camera)

    def list(self) -> list[CameraConfig]:
        with self._lock:
            return list(self._configs.values())

    def get(self, camera_id: str) -> CameraConfig:
        with self._lock:
            return self._configs[camera_id]

    def status(self, camera_id: str) -> CameraStatus | None:
        """Runtime status, or None for a disabled camera."""
        try:
            return self.runtime.status(camera_id)
        except KeyError:
            return None

    def create(self, camera: CameraConfig) -> CameraConfig:
        self.runtime.check_camera(camera)  # what config.sources allows (resolves host names)
        with self._lock:
            if camera.id in self._configs:
                raise CameraExistsError(f"camera {camera.id!r} already exists")
            self._configs[camera.id] = camera
        if camera.enabled:
            try:
                self.runtime.add_camera(camera)
            except BaseException:
                with self._lock:
                    self._configs.pop(camera.id, None)
                raise
        if self._saved:
            self._saved.save(camera)
        return camera

    def update(self, camera_id: str, changes: Mapping[str, Any]) -> CameraConfig:
        """Apply ``changes`` (validated like a new camera); a running camera restarts with them."""
        with self._lock:
            current = self._configs[camera_id]
        updated = CameraConfig.model_validate({**current.model_dump(), **changes, "id": camera_id})
        self.runtime.check_camera(updated)
        if camera_id in self.runtime.camera_ids():
            self.runtime.remove_camera(camera_id)
        with self._lock:
            self._configs[camera_id] = updated
        if self._saved:
            self._saved.save(updated)
        if updated.enabled:
            self.runtime.add_camera(updated)
        return updated

    def delete(self, camera_id: str) -> None:
        with self._lock:
            del self._configs[camera_id]
        if self._saved:
            self._saved.delete(camera_id)
        if camera_id in self.runtime.camera_ids():
            self.runtime.remove_camera(camera_id)

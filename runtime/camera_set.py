"""The cameras a service knows, enabled or not, kept in step with the running runtime."""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Mapping
from typing import Any, Generic, Protocol

from typing_extensions import TypeVar

from config import AppConfig, CameraConfig
from config.invalid_camera import InvalidCamera
from detectors import ModelError
from runtime.cameras import CameraRuntime, CameraStatus
from stream.redact import SecretSet

log = logging.getLogger(__name__)

Camera = CameraConfig | InvalidCamera
"""A camera as the set knows it: valid settings, or saved settings that no longer validate."""


class CameraExistsError(ValueError):
    """A camera with that id is already configured."""


class SavedCameras(Protocol):
    """Where API changes to cameras are kept (``storage.CameraStore``)."""

    def load(self) -> dict[str, CameraConfig | InvalidCamera | None]:
        """Saved cameras by id; None for a camera deleted through the API, InvalidCamera for
        saved settings that no longer validate."""
        ...

    def save(self, camera: CameraConfig) -> None: ...

    def delete(self, camera_id: str) -> None: ...


class CameraHost(Protocol):
    """What runs a camera set's enabled cameras: a :class:`CameraRuntime` in one process; in
    cluster mode, the controller's runtime that places each camera on a node."""

    config: AppConfig

    def check_camera(self, camera: CameraConfig) -> None:
        """Refuse a camera the config's ``sources`` does not allow (see CameraRuntime)."""
        ...

    def check_classes(self, camera: CameraConfig) -> None:
        """UnknownClassError for a class the camera's detector never reports, if known now."""
        ...

    def add_camera(self, camera: CameraConfig) -> None: ...

    def remove_camera(self, camera_id: str, timeout_s: float = ...) -> bool: ...

    def camera_ids(self) -> list[str]: ...

    def status(self, camera_id: str) -> CameraStatus:
        """KeyError if the camera is not running."""
        ...


Host = TypeVar("Host", bound=CameraHost, default=CameraRuntime)


class CameraSet(Generic[Host]):
    """Create, change and delete cameras; enabled ones run in ``runtime``, disabled ones wait.

    A saved camera that no longer validates is kept as an :class:`InvalidCamera`: listed (as
    ``failed``), never started, and fixed by a PATCH that makes it valid or by a DELETE.
    """

    def __init__(
        self,
        runtime: Host,
        saved: SavedCameras | None = None,
        *,
        secrets: SecretSet | None = None,
    ) -> None:
        """Cameras come from the config, then ``saved`` API changes apply on top (a camera
        created, changed or deleted through the API stays so after a restart). The password of
        every camera URL goes to ``secrets``, so that logs hide it wherever it shows."""
        self.runtime = runtime
        self._saved = saved
        self._secrets = secrets if secrets is not None else SecretSet()
        self._lock = threading.Lock()
        self._cameras: dict[str, Camera] = {c.id: c for c in runtime.config.cameras}
        self._saved_ids: set[str] = set()
        for camera_id, camera in (saved.load() if saved else {}).items():
            self._saved_ids.add(camera_id)
            if camera is None:
                self._cameras.pop(camera_id, None)
                continue
            if isinstance(camera, InvalidCamera):
                log.error(
                    "camera %s: its saved settings are no longer valid, so it is not started "
                    "(fix them with PATCH /api/cameras/%s or delete it): %s",
                    camera_id,
                    camera_id,
                    camera.reason,
                )
            elif camera_id in self._cameras and self._cameras[camera_id] != camera:
                log.info("camera %s: using the settings saved through the API", camera_id)
            self._cameras[camera_id] = camera
        for camera in self._cameras.values():
            url = camera.data.get("url") if isinstance(camera, InvalidCamera) else camera.url
            if isinstance(url, str):
                self._secrets.add_url(url)

    @property
    def app_config(self) -> AppConfig:
        return self.runtime.config

    def start(self) -> None:
        """Start every enabled camera. A saved camera whose model no longer loads is marked
        failed; a camera of the config file that cannot start stops the service (ModelError)."""
        for camera in self.list():
            if camera.enabled:
                self._start_one(camera)

    def _start_one(self, camera: CameraConfig) -> None:
        try:
            self.runtime.add_camera(camera)
        except ModelError as error:
            if camera.id not in self._saved_ids:
                raise
            reason = f"cannot start: {error}"
            log.error(
                "camera %s: %s (change it with PATCH /api/cameras/%s or delete it)",
                camera.id,
                reason,
                camera.id,
            )
            with self._lock:
                self._cameras[camera.id] = InvalidCamera(
                    camera.id, camera.model_dump(mode="json"), reason
                )

    def list(self) -> list[CameraConfig]:
        """The cameras with valid settings."""
        with self._lock:
            return [c for c in self._cameras.values() if isinstance(c, CameraConfig)]

    def list_all(self) -> builtins.list[Camera]:
        """Every camera, invalid saved ones included."""
        with self._lock:
            return list(self._cameras.values())

    def get(self, camera_id: str) -> CameraConfig:
        """KeyError unless ``camera_id`` is a camera with valid settings."""
        camera = self.find(camera_id)
        if isinstance(camera, InvalidCamera):
            raise KeyError(camera_id)
        return camera

    def find(self, camera_id: str) -> Camera:
        """The camera, valid or not; KeyError if there is none."""
        with self._lock:
            return self._cameras[camera_id]

    def status(self, camera_id: str) -> CameraStatus | None:
        """Runtime status, or None for a disabled camera."""
        try:
            return self.runtime.status(camera_id)
        except KeyError:
            return None

    def create(self, camera: CameraConfig) -> CameraConfig:
        self.runtime.check_camera(camera)  # what config.sources allows (resolves host names)
        self._secrets.add_url(camera.url)
        with self._lock:
            if camera.id in self._cameras:
                raise CameraExistsError(f"camera {camera.id!r} already exists")
            self._cameras[camera.id] = camera
        if camera.enabled:
            try:
                self.runtime.add_camera(camera)
            except BaseException:
                with self._lock:
                    self._cameras.pop(camera.id, None)
                raise
        if self._saved:
            self._saved.save(camera)
        return camera

    def update(self, camera_id: str, changes: Mapping[str, Any]) -> CameraConfig:
        """Apply ``changes`` (validated like a new camera); a running camera restarts with them.

        For an invalid saved camera the changes apply to its saved settings; ValidationError if
        they are still invalid."""
        with self._lock:
            current = self._cameras[camera_id]
        settings = current.data if isinstance(current, InvalidCamera) else current.model_dump()
        updated = CameraConfig.model_validate({**settings, **changes, "id": camera_id})
        self._secrets.add_url(updated.url)
        self.runtime.check_camera(updated)
        if updated.enabled:  # a misspelt class: refused while the camera runs on unchanged
            self.runtime.check_classes(updated)
        if camera_id in self.runtime.camera_ids():
            self.runtime.remove_camera(camera_id)
        with self._lock:
            self._cameras[camera_id] = updated
        if self._saved:
            self._saved.save(updated)
        if updated.enabled:
            try:
                self.runtime.add_camera(updated)
            except ModelError as error:  # e.g. a class its model never reports: show why
                with self._lock:
                    self._cameras[camera_id] = InvalidCamera(
                        camera_id, updated.model_dump(mode="json"), f"cannot start: {error}"
                    )
                raise
        return updated

    def delete(self, camera_id: str) -> None:
        with self._lock:
            del self._cameras[camera_id]
        if self._saved:
            self._saved.delete(camera_id)
        if camera_id in self.runtime.camera_ids():
            self.runtime.remove_camera(camera_id)

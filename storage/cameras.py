"""Cameras created, changed or deleted through the API, so a restart keeps what operators did.

A row holds a camera's settings, or NULL for a camera deleted through the API (so that a camera
from the config file stays deleted too). A row that no longer validates (or is not even JSON) is
loaded as an :class:`InvalidCamera`, so that one bad row never stops the service.
"""

from __future__ import annotations

import json
import time

import sqlalchemy as sa

from config import CameraConfig
from config.invalid_camera import InvalidCamera, validate_saved
from storage.database import write_lock
from storage.schema import cameras


class CameraStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def load(self) -> dict[str, CameraConfig | InvalidCamera | None]:
        """Every saved camera by id; None for deleted ones, InvalidCamera for unusable ones."""
        text = sa.cast(cameras.c.config, sa.Text).label("config")
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(cameras.c.id, text)).all()
        return {row.id: _parse(row.id, row.config) for row in rows}

    def save(self, camera: CameraConfig) -> None:
        self._put(camera.id, camera.model_dump(mode="json"))

    def delete(self, camera_id: str) -> None:
        self._put(camera_id, None)

    def _put(self, camera_id: str, config: object) -> None:
        with write_lock(self.engine), self.engine.begin() as connection:
            connection.execute(cameras.delete().where(cameras.c.id == camera_id))
            connection.execute(
                cameras.insert().values(id=camera_id, config=config, updated_at=time.time())
            )


def _parse(camera_id: str, text: str | None) -> CameraConfig | InvalidCamera | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return InvalidCamera(camera_id, {}, "the saved settings are not JSON")
    return None if data is None else validate_saved(camera_id, data)

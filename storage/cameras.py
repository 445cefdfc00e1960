"""Cameras created, changed or deleted through the API, so a restart keeps what operators did.

A row holds a camera's settings, or NULL for a camera deleted through the API (so that a camera
from the config file stays deleted too).
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from config import CameraConfig
from storage.database import write_lock
from storage.schema import cameras


class CameraStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def load(self) -> dict[str, CameraConfig | None]:
        """Every saved camera by id; None for deleted ones."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(cameras.c.id, cameras.c.config)).all()
        return {
            row.id: None if row.config is None else CameraConfig.model_validate(row.config)
            for row in rows
        }

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

"""Event clips in storage: their files under the clips directory and their state in the
``events`` table (see :mod:`events.clip`).

The clip writers settle each ``pending`` clip as ``ready`` or ``failed``; clip retention expires
ready clips (oldest first) and deletes their files; a start settles what the previous run left
``pending`` (its ring is gone, so a clip that was not written by then never will be).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from events import ClipState, EventClip
from storage.database import write_lock
from storage.schema import CLIP_REASON_LENGTH, events

log = logging.getLogger(__name__)

NOT_WRITTEN_BEFORE_STOP = "the service stopped before the clip was written"


class ClipFiles:
    """Clip files: ``root``/<camera>/<event id>.mp4; the database keeps paths relative."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def relative(camera_id: str, event_id: str) -> str:
        return f"{camera_id}/{event_id}.mp4"

    def folder(self, camera_id: str) -> Path:
        return self.path(camera_id)

    def path(self, relative: str) -> Path:
        """The file for a stored relative path; ValueError if it is not inside ``root``."""
        root = self.root.resolve()
        path = (root / relative).resolve()
        if path == root or not path.is_relative_to(root):
            raise ValueError(f"clip path {relative!r} leaves the clips directory")
        return path

    def delete(self, relative: str) -> bool:
        """Delete a clip's file; False (logged) if that failed."""
        try:
            self.path(relative).unlink(missing_ok=True)
        except (OSError, ValueError) as error:
            log.warning("clip %s not deleted: %s", relative, error)
            return False
        return True


@dataclass(frozen=True, slots=True)
class StoredClip:
    """A ready clip as retention sees it."""

    event_id: str
    camera_id: str
    time: float
    path: str
    bytes: int


COLUMNS = (events.c.id, events.c.camera_id, events.c.time, events.c.clip_path, events.c.clip_bytes)


class ClipStore:
    """Clip states in the ``events`` table; thread-safe (a pooled connection per call)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def settle(self, event_id: str, clip: EventClip) -> bool:
        """Record ``clip`` as the event's clip; False if the event is gone (retention)."""
        values = {
            "clip_state": clip.state.value,
            "clip_reason": None if clip.reason is None else clip.reason[:CLIP_REASON_LENGTH],
            "clip_path": clip.path,
            "clip_bytes": clip.bytes,
        }
        with write_lock(self.engine), self.engine.begin() as connection:
            result = connection.execute(
                events.update().where(events.c.id == event_id).values(**values)
            )
        return result.rowcount > 0

    def settle_pending(self, files: ClipFiles) -> tuple[int, int]:
        """At start: every clip still ``pending`` (a previous run stopped before writing it)
        becomes ``ready`` if its file is there, else ``failed``; how many of each."""
        pending = sa.select(events.c.id, events.c.camera_id).where(
            events.c.clip_state == ClipState.PENDING.value
        )
        with self.engine.connect() as connection:
            rows = connection.execute(pending).all()
        ready = failed = 0
        for event_id, camera_id in rows:
            relative = ClipFiles.relative(camera_id, event_id)
            try:
                size = files.path(relative).stat().st_size
            except (OSError, ValueError):
                self.settle(event_id, EventClip(ClipState.FAILED, NOT_WRITTEN_BEFORE_STOP))
                failed += 1
            else:
                self.settle(event_id, EventClip(ClipState.READY, None, relative, size))
                ready += 1
        return ready, failed

    def usage(self) -> dict[str, int]:
        """Bytes of ready clips, per camera."""
        statement = (
            sa.select(events.c.camera_id, sa.func.sum(events.c.clip_bytes))
            .where(events.c.clip_state == ClipState.READY.value)
            .group_by(events.c.camera_id)
        )
        with self.engine.connect() as connection:
            return {camera: int(total or 0) for camera, total in connection.execute(statement)}

    def camera_ids(self) -> list[str]:
        """Cameras that have ready clips."""
        return sorted(self.usage())

    def oldest_ready(
        self, camera_id: str, *, before: float | None = None, limit: int = 1000
    ) -> list[StoredClip]:
        """A camera's ready clips, oldest event first (only those before ``before``, if set)."""
        statement = (
            sa.select(*COLUMNS)
            .where(
                events.c.clip_state == ClipState.READY.value,
                events.c.camera_id == camera_id,
                *([] if before is None else [events.c.time < before]),
            )
            .order_by(events.c.time)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [
                StoredClip(row[0], row[1], row[2], row[3] or "", int(row[4] or 0))
                for row in connection.execute(statement)
            ]

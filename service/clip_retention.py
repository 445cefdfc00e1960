"""Event clips on disk: each clip's state saved with its event, and clip retention.

:func:`runtime.stored.clip_saver` turns a clip writer's outcome into the event's stored clip state.
:class:`ClipRetention` deletes each camera's clips older than its ``clips.retention_days`` and,
past its ``clips.max_disk_bytes``, its oldest clips until it is within the cap: their events
stay, their clip state becomes ``expired`` with the reason. It runs every ``interval_s`` and
whenever a clip is written (:meth:`ClipRetention.nudge`), so a camera overshoots its cap by at
most one clip.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from config.clips import ClipsConfig
from events import ClipState, EventClip
from storage.clips import ClipFiles, ClipStore, StoredClip
from storage.health import reason
from stream.worker import Worker

log = logging.getLogger(__name__)

BATCH = 1000
DAY_S = 86_400.0


class ClipRetention(Worker):
    """Expires clips by age and by disk use per camera, on its own thread."""

    def __init__(
        self,
        store: ClipStore,
        files: ClipFiles,
        settings: Callable[[], Mapping[str, ClipsConfig]],
        *,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``settings()`` gives each configured camera's clip settings; clips of cameras no
        longer configured follow the defaults."""
        super().__init__("clip-retention")
        self._store = store
        self._files = files
        self._settings = settings
        self._interval_s = interval_s
        self._clock = clock
        self._nudged = threading.Event()
        self.expired = 0
        self.errors = 0

    def nudge(self, _: object = None) -> None:
        """Run soon (a clip was written)."""
        self._nudged.set()

    def wake(self) -> None:
        self._nudged.set()

    def run(self) -> None:
        while not self.stopping:
            self.heartbeat.beat(self._interval_s + 5.0)
            try:
                expired = self.run_once()
            except Exception as error:
                self.errors += 1
                log.warning("clip retention failed (retried in %.0f s): %s", self._interval_s,
                            reason(error))  # fmt: skip
            else:
                if expired:
                    log.info("clip retention deleted %d clips", expired)
            self._nudged.wait(self._interval_s)
            self._nudged.clear()

    def run_once(self) -> int:
        """Expire what is past each camera's age and disk caps; how many clips went."""
        settings = dict(self._settings())
        usage = self._store.usage()
        expired = 0
        for camera_id in sorted(set(settings) | set(usage)):
            config = settings.get(camera_id) or ClipsConfig()
            expired += self._by_age(camera_id, config)
            expired += self._by_disk(camera_id, config)
        self.expired += expired
        return expired

    def _by_age(self, camera_id: str, config: ClipsConfig) -> int:
        cutoff = self._clock() - config.retention_days * DAY_S
        why = f"retention: older than clips.retention_days ({config.retention_days:g} days)"
        total = 0
        while not self.stopping:
            clips = self._store.oldest_ready(camera_id, before=cutoff, limit=BATCH)
            total += self._expire(clips, why)
            if len(clips) < BATCH:
                break
        return total

    def _by_disk(self, camera_id: str, config: ClipsConfig) -> int:
        used = self._store.usage().get(camera_id, 0)
        over = used - config.max_disk_bytes
        why = (
            f"retention: the camera's clips exceeded clips.max_disk_bytes "
            f"({config.max_disk_bytes} bytes); the oldest were deleted"
        )
        total = 0
        while over > 0 and not self.stopping:
            clips = self._store.oldest_ready(camera_id, limit=BATCH)
            if not clips:
                break
            chosen: list[StoredClip] = []
            for clip in clips:
                if over <= 0:
                    break
                chosen.append(clip)
                over -= clip.bytes
            total += self._expire(chosen, why)
        return total

    def _expire(self, clips: list[StoredClip], why: str) -> int:
        """Delete each clip's file, then mark it expired (a file that could not be deleted
        stays ready, to be tried again)."""
        count = 0
        for clip in clips:
            if clip.path and not self._files.delete(clip.path):
                continue
            self._store.settle(clip.event_id, EventClip(ClipState.EXPIRED, why))
            count += 1
        return count

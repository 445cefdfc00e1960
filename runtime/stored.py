"""A camera runtime whose events, thumbnails and clips go to :class:`storage.EventStorage`:
built the same way by ``trackcast serve`` and by each node agent in cluster mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from config import AppConfig
from events import ClipState, EventClip, EventSink
from runtime.camera_clips import CameraClips
from runtime.cameras import CameraRuntime, DetectorFactory
from runtime.clip_recorder import ClipStatus, Settled
from storage.clips import ClipStore
from storage.event_storage import EventStorage


def stored_runtime(
    config: AppConfig,
    storage: EventStorage,
    *,
    detector_factory: DetectorFactory | None = None,
    events: EventSink | None = None,
    on_batch: Callable[[str, float, int], None] | None = None,
    on_clip_saved: Callable[[ClipStatus], None] | None = None,
) -> CameraRuntime:
    """A runtime (not started) whose events go to ``events`` (default: the storage's writer),
    whose events of cameras with clips are stored with a pending clip, and whose clips and
    recordings go under ``config.data_dir``; ``on_clip_saved`` runs after each clip's state is
    stored."""
    data_dir = Path(config.data_dir)
    runtime = CameraRuntime(
        config,
        detector_factory=detector_factory,
        events=storage.writer if events is None else events,
        on_batch=on_batch,
        clips_dir=storage.clip_files.root,
        camera_clips=CameraClips(data_dir / "recordings", data_dir / "camera-clips"),
        on_clip_settled=clip_saver(storage.clips, then=on_clip_saved),
    )
    storage.store.keep_clips(runtime.keeps_clips)
    storage.writer.add_listener(runtime.request_clips)
    return runtime


def clip_saver(store: ClipStore, then: Callable[[ClipStatus], None] | None = None) -> Settled:
    """What a clip writer calls with each settled clip: store its state with the event (an
    exception, e.g. a database that is down, makes the writer retry), then ``then``."""

    def save(status: ClipStatus) -> None:
        clip = EventClip(
            status.state,
            status.error,
            status.relative_path if status.state is ClipState.READY else None,
            status.clip.bytes if status.clip is not None else None,
        )
        store.settle(status.event_id, clip)
        if then is not None:
            then(status)

    return save

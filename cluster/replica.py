"""An API process's view of the cluster: the camera set and the running cameras, as proxies.

:class:`ClusterCameras` is a ``service.ports.Cameras`` whose every change and read goes to the
controller (the one source of truth, shared by all API replicas); :class:`ClusterRuntime` is a
``service.ports.LiveCameras`` whose live data comes from the agent that runs each camera. What
they raise is what ``CameraSet`` and ``CameraRuntime`` raise, so the API answers alike.
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analytics import ActiveTrack
from analytics.live_state import LiveState
from cluster.ask import ask, read
from cluster.puller import FramePuller, PullStats
from config import AppConfig, CameraConfig
from outputs import FrameResult
from runtime.camera_clips import CameraClips
from runtime.camera_set import Camera, only_valid, url_of
from runtime.cameras import CameraStatus
from runtime.clip_recorder import ClipStatus
from runtime.detector_worker import DetectorWorker
from stream.clip_writer import ClipInfo
from stream.heartbeat import ThreadHealth
from stream.latest import LatestSlot
from stream.push_source import PushSource
from stream.redact import SecretSet

log = logging.getLogger(__name__)


class ClusterRuntime:
    """The cluster's running cameras as seen from one API process."""

    def __init__(self, controller: Any, data_dir: Path) -> None:
        self._controller = controller
        self.camera_clips: CameraClips | None = CameraClips(
            data_dir / "recordings", data_dir / "camera-clips"
        )
        """Recordings are read from the shared data_dir, like the nodes write them."""
        self._lock = threading.Lock()
        self._pullers: dict[str, FramePuller] = {}
        self._retired: list[FramePuller] = []
        """Pullers whose last viewer left: they end on their own within a pull; joined by
        :meth:`stop`."""
        self._skipped_by_retired = 0
        self._stopping = False

    # -- camera state, from the controller and the agents --------------------------------------

    def camera_ids(self) -> list[str]:
        statuses: dict[str, CameraStatus] = read(lambda: self._controller.statuses.remote())
        return list(statuses)

    def status(self, camera_id: str) -> CameraStatus:
        status: CameraStatus | None = read(lambda: self._controller.status.remote(camera_id))
        if status is None:
            raise KeyError(camera_id)
        return status

    def agent(self, camera_id: str) -> Any:
        """The handle of the agent that runs the camera; KeyError if it is deleted (or there is
        no such camera), None while it runs nowhere (disabled, starting, or being moved)."""
        read(lambda: self._controller.find.remote(camera_id))
        return read(lambda: self._controller.agent_for.remote(camera_id))

    def _running_agent(self, camera_id: str) -> Any:
        agent = self.agent(camera_id)
        if agent is None:
            raise KeyError(camera_id)
        return agent

    def latest(self, camera_id: str) -> FrameResult | None:
        packed = read(lambda: self._running_agent(camera_id).latest_frame.remote(camera_id))
        return None if packed is None else packed.unpack()

    def active_tracks(self, camera_id: str) -> list[ActiveTrack]:
        tracks: list[ActiveTrack] = read(
            lambda: self._running_agent(camera_id).active_tracks.remote(camera_id)
        )
        return tracks

    def live_state(self, camera_id: str) -> LiveState:
        state: LiveState = read(lambda: self._running_agent(camera_id).live_state.remote(camera_id))
        return state

    def heatmap_png(self, camera_id: str, background: bool) -> bytes | None:
        """Rendered on the node (over its newest frame there)."""
        png: bytes | None = read(
            lambda: self._running_agent(camera_id).heatmap_png.remote(camera_id, background)
        )
        return png

    def clip_status(self, camera_id: str, event_id: str) -> ClipStatus | None:
        try:
            status: ClipStatus | None = read(
                lambda: self._running_agent(camera_id).clip_status.remote(camera_id, event_id)
            )
        except KeyError:  # the camera runs nowhere now: the stored state stands
            return None
        return status

    def camera_clip(self, camera_id: str, since: float, until: float) -> ClipInfo:
        """From the recordings in the shared data_dir (a node's in-memory ring is not read)."""
        assert self.camera_clips is not None
        return self.camera_clips.build(camera_id, None, since, until)

    def push_source(self, camera_id: str) -> PushSource | None:
        """WHIP publishing is not supported in cluster mode: no camera here takes pushes."""
        return None

    def detector_workers(self) -> list[DetectorWorker]:
        return []  # they run on the nodes

    # -- live frames: one puller per watched camera ---------------------------------------------

    def subscribe(self, camera_id: str, on_put: Any = None) -> LatestSlot[FrameResult]:
        with self._lock:
            puller = self._pullers.get(camera_id)
            if puller is not None and puller.running:
                return puller.frames.subscribe(on_put)
            if puller is not None:  # it ended: its camera was deleted (maybe made again since)
                self._retire(puller)
            puller = FramePuller(camera_id, self.agent)
            slot = puller.frames.subscribe(on_put)
            if self._stopping:
                puller.frames.close()
                return slot
            self._pullers[camera_id] = puller
            puller.start()
            return slot

    def unsubscribe(self, camera_id: str, slot: LatestSlot[FrameResult]) -> None:
        with self._lock:
            puller = self._pullers.get(camera_id)
            if puller is None:
                slot.close()
                return
            puller.frames.unsubscribe(slot)
            if puller.frames.subscriber_count() == 0:
                del self._pullers[camera_id]
                self._retire(puller)

    def _retire(self, puller: FramePuller) -> None:
        """Ask ``puller`` to stop without waiting (this may run on the event loop)."""
        puller.retire()
        ended = [p for p in self._retired if not p.running]
        self._skipped_by_retired += sum(p.frames.skipped() for p in ended)
        self._retired = [p for p in self._retired if p.running]
        self._retired.append(puller)

    def pull_stats(self) -> dict[str, PullStats]:
        """What pulling costs now, per watched camera."""
        with self._lock:
            return {camera_id: p.stats for camera_id, p in self._pullers.items()}

    def threads(self) -> list[ThreadHealth]:
        with self._lock:
            pullers = list(self._pullers.values())
        return [p.heartbeat.health() for p in pullers]

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(p.frames.subscriber_count() for p in self._pullers.values())

    def subscriber_skips(self) -> int:
        with self._lock:
            pullers = [*self._pullers.values(), *self._retired]
            skipped = self._skipped_by_retired
        return skipped + sum(p.frames.skipped() for p in pullers)

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop every puller (their viewers end); the cameras run on."""
        with self._lock:
            self._stopping = True
            pullers = [*self._pullers.values(), *self._retired]
            self._pullers.clear()
            self._retired = []
        for puller in pullers:
            puller.retire()
        return all([puller.stop(timeout_s) for puller in pullers])


class ClusterCameras:
    """The cluster's camera set, through its controller."""

    def __init__(
        self, controller: Any, runtime: ClusterRuntime, config: AppConfig, secrets: SecretSet
    ) -> None:
        self._controller = controller
        self._runtime = runtime
        self._config = config
        self._secrets = secrets

    @property
    def runtime(self) -> ClusterRuntime:
        return self._runtime

    @property
    def app_config(self) -> AppConfig:
        return self._config

    def start(self) -> None:
        """The cameras run on the cluster already; learn their passwords for the logs."""
        for camera in self.list_all():
            if (url := url_of(camera)) is not None:
                self._secrets.add_url(url)

    def list(self) -> builtins.list[CameraConfig]:
        return [c for c in self.list_all() if isinstance(c, CameraConfig)]

    def list_all(self) -> builtins.list[Camera]:
        cameras: builtins.list[Camera] = read(lambda: self._controller.list_all.remote())
        return cameras

    def get(self, camera_id: str) -> CameraConfig:
        return only_valid(self.find(camera_id))

    def find(self, camera_id: str) -> Camera:
        camera: Camera = read(lambda: self._controller.find.remote(camera_id))
        return camera

    def status(self, camera_id: str) -> CameraStatus | None:
        status: CameraStatus | None = read(lambda: self._controller.status.remote(camera_id))
        return status

    def create(self, camera: CameraConfig) -> CameraConfig:
        self._secrets.add_url(camera.url)
        created: CameraConfig = ask(self._controller.create.remote(camera))
        return created

    def update(self, camera_id: str, changes: Mapping[str, Any]) -> CameraConfig:
        url = changes.get("url")
        if isinstance(url, str):
            self._secrets.add_url(url)
        updated: CameraConfig = ask(self._controller.update.remote(camera_id, dict(changes)))
        return updated

    def delete(self, camera_id: str) -> None:
        ask(self._controller.delete.remote(camera_id))

"""Many live cameras in one process: per-camera decoding and tracking, shared detectors.

Cameras with the same detector settings share one :class:`DetectorWorker` (one model in memory,
batched across cameras). Cameras are added and removed while the others run. :meth:`stop` stops
every thread, each within a bounded time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from config import AppConfig, CameraConfig, DetectorConfig
from detectors import Detector, load_detector
from outputs import FrameResult
from runtime.broadcast import Broadcast
from runtime.detector_worker import CameraPipeline, DetectorWorker
from stream.health import CameraHealth
from stream.latest import LatestSlot
from stream.live import LiveCamera, LiveSettings
from tracking import create_tracker

log = logging.getLogger(__name__)

DetectorFactory = Callable[[DetectorConfig], Detector]


def _load(config: DetectorConfig) -> Detector:
    return load_detector(config.options())


@dataclass(frozen=True, slots=True)
class CameraStatus:
    """Camera health plus what the analysis side did with its frames."""

    health: CameraHealth
    fps_out: float
    frames_analysed: int
    frames_capped: int


class CameraRuntime:
    """Runs the cameras of an :class:`AppConfig`; more can be added and removed while running."""

    def __init__(self, config: AppConfig, *, detector_factory: DetectorFactory = _load) -> None:
        self.config = config
        self._detector_factory = detector_factory
        self._lock = threading.RLock()
        self._workers: dict[DetectorConfig, DetectorWorker] = {}
        self._cameras: dict[str, tuple[LiveCamera, DetectorWorker]] = {}

    def start(self) -> None:
        """Start every enabled camera of the configuration."""
        for camera in self.config.cameras:
            if camera.enabled:
                self.add_camera(camera)

    def add_camera(self, camera: CameraConfig) -> None:
        """Start ``camera``; ValueError if its id is taken, ModelError if its model cannot load."""
        with self._lock:
            if camera.id in self._cameras:
                raise ValueError(f"camera {camera.id!r} already exists")
            worker = self._worker_for(self.config.detector_for(camera))
            tracker_config = self.config.tracker_for(camera)
            live = LiveCamera(camera.id, camera.url, _live_settings(camera), on_frame=worker.notify)
            pipeline = CameraPipeline(
                camera=live,
                make_tracker=lambda fps: create_tracker(tracker_config.options(frame_rate=fps)),
                results=Broadcast(),
                min_interval_s=1 / camera.fps_cap if camera.fps_cap else 0.0,
            )
            worker.attach(camera.id, pipeline)
            self._cameras[camera.id] = (live, worker)
            live.start()
            log.info("camera %s added (%s)", camera.id, live.display_url)

    def remove_camera(self, camera_id: str, timeout_s: float = 15.0) -> bool:
        """Stop and forget a camera; True if its thread ended within ``timeout_s``."""
        with self._lock:
            entry = self._cameras.pop(camera_id, None)
        if entry is None:
            raise KeyError(camera_id)
        live, worker = entry
        stopped = live.stop(timeout_s)
        pipeline = worker.detach(camera_id)
        if pipeline is not None:
            pipeline.results.close()
        log.info("camera %s removed", camera_id)
        return stopped

    def camera_ids(self) -> list[str]:
        with self._lock:
            return list(self._cameras)

    def subscribe(self, camera_id: str) -> LatestSlot[FrameResult]:
        """A slot that always holds the camera's newest tracked frame."""
        return self._pipeline(camera_id).results.subscribe()

    def status(self, camera_id: str) -> CameraStatus:
        pipeline = self._pipeline(camera_id)
        return CameraStatus(
            health=pipeline.camera.health(),
            fps_out=pipeline.fps_out(),
            frames_analysed=pipeline.analysed,
            frames_capped=pipeline.capped,
        )

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop all cameras (in parallel), then the detector workers; True if every thread ended."""
        with self._lock:
            cameras = list(self._cameras)
        results: dict[str, bool] = {}

        def stop_one(camera_id: str) -> None:
            results[camera_id] = self.remove_camera(camera_id, timeout_s)

        stoppers = [threading.Thread(target=stop_one, args=(c,)) for c in cameras]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(timeout_s + 1)
        with self._lock:
            workers, self._workers = list(self._workers.values()), {}
        clean = all(results.get(c, False) for c in cameras)
        for worker in workers:
            clean = worker.stop(timeout_s) and clean
            worker.detector.close()
        return clean

    def _pipeline(self, camera_id: str) -> CameraPipeline:
        with self._lock:
            entry = self._cameras.get(camera_id)
        pipeline = entry[1].pipeline(camera_id) if entry else None
        if pipeline is None:
            raise KeyError(camera_id)
        return pipeline

    def _worker_for(self, detector: DetectorConfig) -> DetectorWorker:
        worker = self._workers.get(detector)
        if worker is None:
            worker = DetectorWorker(
                self._detector_factory(detector),
                batch_size=self.config.runtime.batch_size,
                batch_wait_s=self.config.runtime.batch_wait_ms / 1000,
                name=f"detector-{len(self._workers)}",
            )
            worker.start()
            self._workers[detector] = worker
        return worker


def _live_settings(camera: CameraConfig) -> LiveSettings:
    # ReconnectConfig's fields are LiveSettings' fields of the same names.
    return LiveSettings(
        rtsp_transport=camera.transport,
        realtime=camera.realtime,
        loop=camera.loop,
        **camera.reconnect.model_dump(),
    )

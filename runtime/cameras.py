"""Many live cameras in one process: per-camera decoding and tracking, shared detectors.

Cameras with the same detector settings share one :class:`DetectorWorker` (one model in memory,
batched across cameras). Cameras are added and removed while the others run. :meth:`stop` stops
every thread, each within a bounded time.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from analytics import ActiveTrack, Analyser, Heatmap, LineCrossing, TrackLifecycle, ZoneMonitor
from analytics.filters import DetectionFilter, DropReason
from analytics.live_state import LiveState, heatmap_png, live_state
from config import AppConfig, CameraConfig, DetectorConfig
from config.class_check import Keys, camera_problems
from config.clips import ClipSource
from detectors import Detector, ModelPolicy, UnknownClassError, load_detector
from detectors.faces import FaceDetector
from events import EventSink, StoredEvent
from outputs import FrameResult
from outputs.face_privacy import FaceMasker
from runtime.broadcast import Broadcast
from runtime.camera_clips import CameraClips
from runtime.camera_pipeline import CameraPipeline
from runtime.clip_recorder import (
    STOPPED_BEFORE_WRITTEN,
    ClipHealth,
    ClipRecorder,
    ClipState,
    ClipStatus,
    ClipWindow,
    Settled,
)
from runtime.detector_worker import DetectorWorker
from runtime.gate import gate_for
from runtime.recorder import Recorder, RecorderStats, RecordingSettings
from runtime.threads import ThreadBudget
from stream.clip_encoder import ClipEncoder, EncoderSettings, EncoderStats
from stream.clip_writer import ClipInfo
from stream.errors import SourceOpenError
from stream.health import CameraHealth, CameraState
from stream.heartbeat import ThreadHealth
from stream.latest import LatestSlot
from stream.live import LiveCamera, LiveSettings
from stream.packet_ring import PacketRing, RingLimits, RingStats
from stream.policy import SourcePolicy
from stream.push_source import PushSource, is_push_url
from stream.redact import redact_url
from tracking import create_tracker

log = logging.getLogger(__name__)

DetectorFactory = Callable[[DetectorConfig], Detector]
STOP_LATE_WORKER_S = 5.0
"""How long a worker whose model finished loading after ``stop`` gets to end."""


def load_live_detector(config: DetectorConfig) -> Detector:
    """``config``'s detector with the live service's inference threads (``runtime.threads``)."""
    options = config.options()
    threads = ThreadBudget.for_live().inference_threads(options)
    return load_detector(replace(options, threads=threads))


@dataclass(frozen=True, slots=True)
class CameraStatus:
    """Camera health plus what the analysis side did with its frames."""

    health: CameraHealth
    fps_out: float
    """Frames per second through the detector and tracker."""
    frames_analysed: int
    """Frames through the detector and tracker."""
    frames_capped: int
    analysis_errors: int
    queue_depth: int
    frames_gated: int = 0
    """Frames the motion gate kept from the detector (shown with predicted tracks)."""
    duty_cycle: float = 1.0
    """Share of the camera's recent frames that went to the detector."""
    detector: str = ""
    """What runs, e.g. ``openvino int8``."""
    detector_state: str = ""
    """``ready``, or what the detector is doing for this camera's frame size first
    (``calibrating 40/100 frames``, ``preparing``, ``failed: ...``)."""
    detections_filtered: dict[DropReason, int] = field(default_factory=dict)
    """Detections its class filters and ignore masks dropped before tracking, by reason."""
    clip_ring: RingStats | None = None
    """The size of the camera's encoded-packet ring for clips; None when clips are off."""
    recording: RecorderStats | None = None
    """The camera's continuous recording; None when it is off."""
    clips: ClipHealth | None = None
    """How writing its event clips goes; None when clips are off."""
    clip_encoder: EncoderStats | None = None
    """What the encoder of its published frames for clips did; None when it has none."""
    node: str | None = None
    """The cluster node that runs the camera (cluster mode); None in a single process."""


class CameraRuntime:
    """Runs the cameras of an :class:`AppConfig`; more can be added and removed while running."""

    def __init__(
        self,
        config: AppConfig,
        *,
        detector_factory: DetectorFactory | None = None,
        events: EventSink | None = None,
        on_batch: Callable[[str, float, int], None] | None = None,
        clips_dir: Path | None = None,
        camera_clips: CameraClips | None = None,
        on_clip_settled: Settled | None = None,
    ) -> None:
        """``events`` receives each camera's track events; ``on_batch(worker, seconds, frames)``
        is told every detector call's latency; event clips go under ``clips_dir`` (None: no
        clips are written) and each clip that is written or fails goes to ``on_clip_settled``
        (on the camera's clip thread); continuous recordings go under
        ``camera_clips.recordings_dir`` (None: nothing is recorded)."""
        self.config = config
        self._detector_factory = detector_factory or load_live_detector
        self._events = events
        self._on_batch = on_batch
        self._clips_dir = clips_dir
        self._on_clip_settled = on_clip_settled
        self._recorders: dict[str, ClipRecorder] = {}
        self.camera_clips = camera_clips
        self._recordings: dict[str, Recorder] = {}
        self._encoders: dict[str, ClipEncoder] = {}
        self._lock = threading.RLock()
        self._workers: dict[DetectorConfig, DetectorWorker] = {}
        self._cameras: dict[str, tuple[LiveCamera, DetectorWorker]] = {}
        self._adding: dict[str, _Adding] = {}
        """Cameras being added (their model may be loading): taken, not yet running."""
        self._loading: dict[DetectorConfig, Future[DetectorWorker]] = {}
        """Detector configs whose model loads now, outside the lock."""
        self._worker_numbers = itertools.count()
        self._stopping = False
        """Set by ``stop``: adds in progress give up instead of starting threads it missed."""
        self._skipped_by_removed = 0
        """Frames that subscribers of cameras since removed skipped (``subscriber_skips``)."""
        sources = config.sources
        self._source_policy = SourcePolicy(sources.media_roots, sources.private_networks)
        self._model_policy = ModelPolicy(sources.model_roots)

    def start(self) -> None:
        """Start every enabled camera of the configuration."""
        with self._lock:
            self._stopping = False
        for camera in self.config.cameras:
            if camera.enabled:
                self.add_camera(camera)

    def check_camera(self, camera: CameraConfig) -> None:
        """Refuse a camera the config's ``sources`` does not allow: UnsupportedSourceError
        (SourceNotAllowedError among them) for its URL, ModelError for its detector's model.

        Host names are resolved now (blocking); one that does not resolve yet is left to the
        camera's own retries, which check again before every connection.
        """
        self._model_policy.check(self.config.detector_for(camera).model)
        if is_push_url(camera.url):
            return
        with contextlib.suppress(SourceOpenError):
            self._source_policy.check(camera.url)

    def add_camera(self, camera: CameraConfig) -> None:
        """Start ``camera``; ValueError if its id is taken, ModelError if its model cannot load.

        A new detector config's model loads outside the runtime's lock (``status``,
        ``camera_ids`` and the rest answer meanwhile); the camera is registered under it after."""
        with self._lock:
            self._refuse_if_stopping()
            if camera.id in self._cameras or camera.id in self._adding:
                raise ValueError(f"camera {camera.id!r} already exists")
            self._adding[camera.id] = _Adding(camera, time.time())
        try:
            self._add(camera)
        finally:
            with self._lock:
                self._adding.pop(camera.id, None)

    def _add(self, camera: CameraConfig) -> None:
        detector = self.config.detector_for(camera)
        tracker_config = self.config.tracker_for(camera)
        while True:
            worker = self._worker_for(detector)  # slow when the model loads: no lock held
            self._check_classes(camera, worker)
            ring = _ring(camera)
            live = _make_camera(camera, worker.notify, self._source_policy, ring)
            encoder = self._encoder(camera, ring)
            privacy = camera.privacy.settings()
            pipeline = CameraPipeline(
                camera=live,
                make_tracker=lambda fps: create_tracker(tracker_config.options(frame_rate=fps)),
                results=Broadcast(),
                min_interval_s=1 / camera.fps_cap if camera.fps_cap else 0.0,
                analysers=self._analysers(camera),
                gate=gate_for(camera.motion, tracker_config.lost_timeout_s),
                detection_filter=DetectionFilter(self.config.filters_for(camera), camera.ignore),
                privacy=privacy,
                faces=FaceMasker(FaceDetector().detect, privacy.faces) if privacy.faces else None,
                clip_encoder=encoder,
            )
            with self._lock:
                self._refuse_if_stopping()
                if self._workers.get(detector) is not worker:
                    continue  # its worker was released meanwhile: get a current one
                worker.attach(camera.id, pipeline)
                self._cameras[camera.id] = (live, worker)
                live.start()
                if encoder is not None:
                    self._encoders[camera.id] = encoder
                    encoder.start()
                self._start_recorder(camera, live)
            log.info(
                "camera %s added (%s)", camera.id, live.display_url, extra={"camera": camera.id}
            )
            return

    def _check_classes(self, camera: CameraConfig, worker: DetectorWorker) -> None:
        """UnknownClassError, naming the classes the detector reports, for a class in the
        camera's lines, zones, ignore masks or filters that its detector never reports (it would
        count or filter nothing, silently); the worker is released if no camera uses it."""
        problems = self._class_problems(camera, worker)
        if problems:
            self._release_if_idle(worker, STOP_LATE_WORKER_S)
            raise UnknownClassError("; ".join(problems))

    def check_classes(self, camera: CameraConfig) -> None:
        """What :meth:`add_camera` would refuse ``camera`` for (UnknownClassError), checked now
        when its detector's model is loaded already (another camera, or this one before a
        change, uses it), so that a change can be refused before the camera stops; nothing when
        the model is not loaded (``add_camera`` checks it once loaded)."""
        with self._lock:
            worker = self._workers.get(self.config.detector_for(camera))
        if worker is None:
            return
        problems = self._class_problems(camera, worker)
        if problems:
            raise UnknownClassError("; ".join(problems))

    def _class_problems(self, camera: CameraConfig, worker: DetectorWorker) -> list[str]:
        reported = worker.detector.class_names
        classes = tuple(reported[i] for i in sorted(reported))
        own = f"camera {camera.id}: "
        filters_key = (
            f"{own}filters." if camera.filters is not None else f"{own}filters (the service's)."
        )
        return camera_problems(
            camera,
            self.config.filters_for(camera),
            self.config.detector_for(camera),
            classes,
            Keys(own, filters_key),
        )

    def remove_camera(self, camera_id: str, timeout_s: float = 15.0) -> bool:
        """Stop and forget a camera; True if its thread ended within ``timeout_s``."""
        with self._lock:
            entry = self._cameras.pop(camera_id, None)
        if entry is None:
            raise KeyError(camera_id)
        live, worker = entry
        stopped = live.stop(timeout_s)
        with self._lock:
            recorder = self._recorders.pop(camera_id, None)
            encoder = self._encoders.pop(camera_id, None)
        if recorder is not None:
            stopped = recorder.stop(timeout_s) and stopped
        stopped = self._stop_recording(camera_id, live, timeout_s) and stopped
        pipeline = worker.detach(camera_id)
        if encoder is not None:  # after detach: nothing offers it frames any more
            stopped = encoder.stop(timeout_s) and stopped
        if pipeline is not None:
            pipeline.results.close()
            with self._lock:
                self._skipped_by_removed += pipeline.results.skipped()
            pipeline.finish(time.time())
        log.info("camera %s removed", camera_id, extra={"camera": camera_id})
        return self._release_if_idle(worker, timeout_s) and stopped

    def _encoder(self, camera: CameraConfig, ring: PacketRing | None) -> ClipEncoder | None:
        """An encoder of the camera's published frames into its ring, if clips or a recording
        read the ring; it stays idle while the camera's own packets can be remuxed."""
        clips = self._clips_dir is not None and camera.clips.enabled
        recording = self.camera_clips is not None and camera.recording.enabled
        if ring is None or not (clips or recording):
            return None
        return ClipEncoder(camera.id, ring, EncoderSettings(max_size=camera.clips.encode_max_size))

    def _start_recorder(self, camera: CameraConfig, live: LiveCamera) -> None:
        """Caller holds the lock. The camera's clip writer, if it keeps a ring, and its
        continuous recording, if it is on."""
        self._start_recording(camera, live)
        if self._clips_dir is None or live.ring is None or not camera.clips.enabled:
            return
        window = ClipWindow(camera.clips.pre_capture_s, camera.clips.post_capture_s)
        recorder = ClipRecorder(
            camera.id,
            live.ring,
            window,
            self._clips_dir / camera.id,
            on_settled=self._on_clip_settled,
        )
        self._recorders[camera.id] = recorder
        recorder.start()

    def _start_recording(self, camera: CameraConfig, live: LiveCamera) -> None:
        """Caller holds the lock. A recorder that takes the same packets as the camera's ring."""
        if self.camera_clips is None or live.ring is None or not camera.recording.enabled:
            return
        config = camera.recording
        settings = RecordingSettings(
            segment_s=config.segment_s,
            retain_s=config.retain_days * 86400,
            max_bytes=config.max_bytes,
        )
        recorder = Recorder(camera.id, self.camera_clips.recordings_dir / camera.id, settings)
        self._recordings[camera.id] = recorder
        recorder.start()
        live.ring.tap(recorder)

    def _stop_recording(self, camera_id: str, live: LiveCamera, timeout_s: float) -> bool:
        with self._lock:
            recorder = self._recordings.pop(camera_id, None)
        if recorder is None:
            return True
        if live.ring is not None:
            live.ring.untap(recorder)
        return recorder.stop(timeout_s)

    def camera_clip(self, camera_id: str, since: float, until: float) -> ClipInfo:
        """An MP4 of any stretch of the camera's recordings and ring (see
        :class:`CameraClips`); blocking. The camera need not be running (recordings stay)."""
        if self.camera_clips is None:
            raise RuntimeError("camera clips are not set up")
        with self._lock:
            entry = self._cameras.get(camera_id)
        ring = entry[0].ring if entry is not None else None
        return self.camera_clips.build(camera_id, ring, since, until)

    def request_clips(self, stored: list[StoredEvent]) -> None:
        """A storage listener: schedule a clip for each committed event of a camera with clips
        on (the clip is keyed by the event's id)."""
        with self._lock:
            recorders = dict(self._recorders)
        for item in stored:
            recorder = recorders.get(item.event.camera_id)
            if recorder is not None:
                recorder.request(item.event.id, item.event.time)
            elif item.clip is not None and self._on_clip_settled is not None:
                # stored with a pending clip, its camera stopped since: it will get none
                at = item.event.time
                failed = ClipStatus(
                    item.event.id, ClipState.FAILED, since=at, until=at,
                    error=STOPPED_BEFORE_WRITTEN,
                )  # fmt: skip
                self._on_clip_settled(failed)

    def keeps_clips(self, camera_id: str) -> bool:
        """Whether the camera's events get clips (it runs with a clip writer)."""
        with self._lock:
            return camera_id in self._recorders

    def clip_status(self, camera_id: str, event_id: str) -> ClipStatus | None:
        """The state of an event's clip; None if none was requested (or it is long forgotten)."""
        with self._lock:
            recorder = self._recorders.get(camera_id)
        return None if recorder is None else recorder.status(event_id)

    def _release_if_idle(self, worker: DetectorWorker, timeout_s: float) -> bool:
        """Stop ``worker`` and close its model once no camera uses it; True unless it did not
        end within ``timeout_s``. It leaves the worker table first (under the lock that
        :meth:`add_camera` takes), so a new camera with the same detector config gets a fresh
        worker; the join itself runs outside every lock."""
        with self._lock:
            in_use = any(w is worker for _, w in self._cameras.values())
            if in_use or worker.camera_count():  # camera_count: another removal is under way
                return True
            keys = [key for key, w in self._workers.items() if w is worker]
            for key in keys:
                del self._workers[key]
        if not keys:  # stop() took it already
            return True
        if not worker.stop(timeout_s):  # still preparing the detector: leave it to exit
            log.warning("detector worker %s did not stop within %.0f s", worker.name, timeout_s)
            return False
        worker.detector.close()
        log.info("detector worker %s released (no camera uses it)", worker.name)
        return True

    def push_source(self, camera_id: str) -> PushSource | None:
        """The running camera's push source (``whip:`` cameras), None for other cameras;
        KeyError if it is not running."""
        with self._lock:
            live, _ = self._cameras[camera_id]
        return live if isinstance(live, PushSource) else None

    def camera_ids(self) -> list[str]:
        with self._lock:
            return list(self._cameras)

    def subscribe(
        self, camera_id: str, on_put: Callable[[], None] | None = None
    ) -> LatestSlot[FrameResult]:
        """A slot that always holds the camera's newest tracked frame; ``on_put`` runs (on the
        detector thread) after each new frame and when the slot closes."""
        return self._pipeline(camera_id).results.subscribe(on_put)

    def unsubscribe(self, camera_id: str, slot: LatestSlot[FrameResult]) -> None:
        try:
            self._pipeline(camera_id).results.unsubscribe(slot)
        except KeyError:  # the camera is gone; its slots were closed with it
            slot.close()

    def latest(self, camera_id: str) -> FrameResult | None:
        """The camera's newest tracked frame, if any yet."""
        return self._pipeline(camera_id).results.latest

    def active_tracks(self, camera_id: str) -> list[ActiveTrack]:
        """The camera's open tracks (empty when it runs without events)."""
        for analyser in self._pipeline(camera_id).analysers:
            if isinstance(analyser, TrackLifecycle):
                return analyser.active()
        return []

    def analysers(self, camera_id: str) -> tuple[Analyser, ...]:
        """The camera's analysers (lifecycle, lines, zones, heatmap); KeyError if unknown."""
        return self._pipeline(camera_id).analysers

    def live_state(self, camera_id: str) -> LiveState:
        """The camera's line counts and zone occupancy now; KeyError if it is not running."""
        return live_state(self.analysers(camera_id))

    def heatmap_png(self, camera_id: str, background: bool) -> bytes | None:
        """Where its tracks have been since it started, as PNG, over its newest frame if
        ``background``; None until it has a frame or if it keeps no heatmap; KeyError if it is
        not running."""
        latest = self.latest(camera_id)
        if latest is None:
            return None
        return heatmap_png(self.analysers(camera_id), latest.image if background else None)

    def status(self, camera_id: str) -> CameraStatus:
        """The camera's status (``starting`` while :meth:`add_camera` loads its model); KeyError
        if it is neither running nor being added."""
        with self._lock:
            entry = self._cameras.get(camera_id)
            adding = self._adding.get(camera_id)
            loading = adding is not None and self._detector_loading(adding.camera)
        if entry is None and adding is not None:
            return adding.status(loading)
        pipeline = entry[1].pipeline(camera_id) if entry else None
        if entry is None or pipeline is None:
            raise KeyError(camera_id)
        worker = entry[1]
        warmup = worker.warmup_status(pipeline)
        state = "waiting for the first frame"
        if warmup is not None:
            state = warmup.state.value + (f": {warmup.detail}" if warmup.detail else "")
        gate = pipeline.gate
        health = pipeline.camera.health()
        if pipeline.failure is not None:  # its analysis stopped: the decoder was stopped with it
            health = replace(
                health,
                state=CameraState.FAILED,
                since=pipeline.failed_at or health.since,
                last_error=pipeline.failure,
            )
        return CameraStatus(
            health=replace(health, frames_dropped=health.frames_dropped + pipeline.superseded),
            fps_out=pipeline.fps_out(),
            frames_analysed=pipeline.analysed,
            frames_capped=pipeline.capped,
            analysis_errors=pipeline.analysis_errors,
            queue_depth=pipeline.camera.frames.pending,
            frames_gated=gate.gated if gate else 0,
            duty_cycle=gate.recent_duty_cycle if gate and gate.seen else 1.0,
            detector=worker.detector.describe(),
            detector_state=state,
            detections_filtered=dict(pipeline.filtered),
            clip_ring=ring.stats() if (ring := pipeline.camera.ring) is not None else None,
            recording=self._recording_stats(camera_id),
            clips=recorder.health() if (recorder := self._recorder(camera_id)) else None,
            clip_encoder=encoder.stats() if (encoder := pipeline.clip_encoder) else None,
        )

    def _recording_stats(self, camera_id: str) -> RecorderStats | None:
        with self._lock:
            recorder = self._recordings.get(camera_id)
        return None if recorder is None else recorder.stats()

    def _recorder(self, camera_id: str) -> ClipRecorder | None:
        with self._lock:
            return self._recorders.get(camera_id)

    def threads(self) -> list[ThreadHealth]:
        """Liveness of the detector workers, of each camera's decoding thread (push cameras
        have none) and of each camera's clip writer."""
        with self._lock:
            workers = list(self._workers.values())
            cameras = [live for live, _ in self._cameras.values()]
            recorders = [*self._recorders.values(), *self._recordings.values()]
            encoders = list(self._encoders.values())
        beats = [w.heartbeat for w in workers]
        beats += [c.heartbeat for c in cameras if not isinstance(c, PushSource)]
        beats += [r.heartbeat for r in recorders]
        beats += [e.heartbeat for e in encoders]
        return [beat.health() for beat in beats]

    def subscriber_count(self) -> int:
        """Subscribers to the running cameras' tracked frames (track feeds, MJPEG, WebRTC)."""
        with self._lock:
            workers = [(camera_id, w) for camera_id, (_, w) in self._cameras.items()]
        pipelines = [w.pipeline(camera_id) for camera_id, w in workers]
        return sum(p.results.subscriber_count() for p in pipelines if p is not None)

    def subscriber_skips(self) -> int:
        """Tracked frames that subscribers (track feeds, MJPEG, WebRTC) skipped because a newer
        one came before they took it, since the runtime started."""
        with self._lock:
            workers = [(camera_id, w) for camera_id, (_, w) in self._cameras.items()]
            removed = self._skipped_by_removed
        pipelines = [w.pipeline(camera_id) for camera_id, w in workers]
        return removed + sum(p.results.skipped() for p in pipelines if p is not None)

    def detector_workers(self) -> list[DetectorWorker]:
        with self._lock:
            return list(self._workers.values())

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Stop all cameras (in parallel), then the detector workers; True if every thread ended."""
        with self._lock:
            self._stopping = True
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
            if worker.stop(timeout_s):
                worker.detector.close()
            else:  # still preparing the detector (it cannot be interrupted): leave it to exit
                clean = False
        return clean

    def _pipeline(self, camera_id: str) -> CameraPipeline:
        with self._lock:
            entry = self._cameras.get(camera_id)
        pipeline = entry[1].pipeline(camera_id) if entry else None
        if pipeline is None:
            raise KeyError(camera_id)
        return pipeline

    def _analysers(self, camera: CameraConfig) -> tuple[Analyser, ...]:
        """A heatmap always; with an event sink also the track lifecycle, one analyser per line
        and per zone (normalized geometry is resolved on the first frame)."""
        heatmap = Heatmap(camera.id)
        if self._events is None:
            return (heatmap,)
        events = self._events
        lost_timeout_s = self.config.tracker_for(camera).lost_timeout_s
        return (
            TrackLifecycle(camera.id, events, lost_timeout_s),
            *(LineCrossing(camera.id, line, events, lost_timeout_s) for line in camera.lines),
            *(ZoneMonitor(camera.id, zone, events, lost_timeout_s) for zone in camera.zones),
            heatmap,
        )

    def _worker_for(self, detector: DetectorConfig) -> DetectorWorker:
        """The running worker for ``detector``, started (its model loaded) if there is none,
        outside the lock. Concurrent callers for the same config share one load (and its
        ModelError)."""
        with self._lock:
            worker = self._workers.get(detector)
            if worker is not None:
                return worker
            underway = self._loading.get(detector)
            if underway is None:
                loading: Future[DetectorWorker] = Future()
                self._loading[detector] = loading
                name = f"detector-{next(self._worker_numbers)}"
        if underway is not None:  # another thread loads this config: wait for its worker
            return underway.result()
        try:
            worker = self._start_worker(detector, name)
        except BaseException as error:
            with self._lock:
                del self._loading[detector]
            loading.set_exception(error)
            raise
        with self._lock:
            del self._loading[detector]
            stopping = self._stopping
            if not stopping:
                self._workers[detector] = worker
        if stopping:  # stop() came during the load and did not see this worker
            if worker.stop(STOP_LATE_WORKER_S):
                worker.detector.close()
            late = RuntimeError("the camera runtime stopped while the model loaded")
            loading.set_exception(late)
            raise late
        loading.set_result(worker)
        return worker

    def _detector_loading(self, camera: CameraConfig) -> bool:
        """Caller holds the lock."""
        return self.config.detector_for(camera) in self._loading

    def _refuse_if_stopping(self) -> None:
        if self._stopping:
            raise RuntimeError("the camera runtime is stopping")

    def _start_worker(self, detector: DetectorConfig, name: str) -> DetectorWorker:
        """Load ``detector``'s model (slow: seconds) and start its worker; holds no lock."""
        self._model_policy.check(detector.model)
        on_batch = self._on_batch
        worker = DetectorWorker(
            self._detector_factory(detector),
            batch_size=self.config.runtime.batch_size,
            batch_wait_s=self.config.runtime.batch_wait_ms / 1000,
            name=name,
            on_batch=(lambda s, n: on_batch(name, s, n)) if on_batch else None,
        )
        worker.start()
        return worker


@dataclass(frozen=True, slots=True)
class _Adding:
    """A camera that :meth:`CameraRuntime.add_camera` is starting."""

    camera: CameraConfig
    since: float

    def status(self, loading: bool) -> CameraStatus:
        """``starting``, with ``loading model`` while its detector's model loads."""
        return waiting_status(self.camera, self.since, "loading model" if loading else "starting")


def waiting_status(
    camera: CameraConfig,
    since: float,
    detail: str,
    state: CameraState = CameraState.STARTING,
    error: str | None = None,
) -> CameraStatus:
    """The status of a camera that does not run (yet): ``state`` since ``since``, with
    ``detail`` as its detector state and ``error`` as its last error."""
    health = CameraHealth(
        camera_id=camera.id,
        url=redact_url(camera.url),
        state=state,
        since=since,
        last_frame_at=None,
        reconnects=0,
        last_error=error,
        fps_in=0.0,
        frames_in=0,
        frames_dropped=0,
    )
    return CameraStatus(
        health=health,
        fps_out=0.0,
        frames_analysed=0,
        frames_capped=0,
        analysis_errors=0,
        queue_depth=0,
        detector_state=detail,
    )


def _make_camera(
    camera: CameraConfig,
    on_frame: Callable[[], None],
    policy: SourcePolicy,
    ring: PacketRing | None,
) -> LiveCamera:
    """A decoding thread for the camera's URL (checked against ``policy`` before each
    connection), or a push source for ``whip:``; either holds ``ring``, and the decoding thread
    fills it with the stream's own packets when it may (see :func:`_may_remux`)."""
    settings = _live_settings(camera)
    if is_push_url(camera.url):
        return PushSource(camera.id, camera.url, settings, on_frame=on_frame, ring=ring)
    return LiveCamera(
        camera.id,
        camera.url,
        settings,
        on_frame=on_frame,
        policy=policy,
        ring=ring,
        remux=_may_remux(camera),
    )


def _may_remux(camera: CameraConfig) -> bool:
    """The camera's own packets may make its clips: not with privacy masking on (they would
    show what the mask hides), not when told to encode. (A push camera has no packets.)"""
    return camera.clips.source is ClipSource.AUTO and not camera.privacy.settings().active


def _ring(camera: CameraConfig) -> PacketRing | None:
    """The camera's encoded-packet ring for event clips and recording, if either is on."""
    clips = camera.clips
    if not clips.enabled and not camera.recording.enabled:
        return None
    return PacketRing(RingLimits(max_seconds=clips.max_ring_s, max_bytes=clips.max_ring_bytes))


def _live_settings(camera: CameraConfig) -> LiveSettings:
    # ReconnectConfig's fields are LiveSettings' fields of the same names.
    return LiveSettings(
        rtsp_transport=camera.transport,
        realtime=camera.realtime,
        loop=camera.loop,
        decode_threads=ThreadBudget.for_live().decode_threads,
        **camera.reconnect.model_dump(),
    )

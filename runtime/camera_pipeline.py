"""What a detector worker keeps per camera: its source, gate, tracker, subscribers and counters.

Every step the shared worker thread runs for one camera (creating its tracker, its motion gate,
tracking, publishing to viewers, analysis) raises :class:`StepError` naming the step; the worker
then calls :meth:`CameraPipeline.fail`, which stops that camera alone. A failed camera stays
failed until it is changed or re-enabled (which builds a new pipeline): what fails there is a
setting nothing checked or a bug, and it would fail again on every retry, while a fresh tracker
mid-stream would reuse track ids that its open events still carry.
"""

from __future__ import annotations

import enum
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import supervision as sv

from analytics import Analyser
from analytics.filters import DetectionFilter, DropReason
from outputs import FrameResult
from outputs.face_privacy import FaceMasker
from outputs.privacy import PrivacySettings, apply_privacy
from runtime.broadcast import Broadcast
from runtime.gate import DetectionGate
from stream import VideoFrame
from stream.clip_encoder import ClipEncoder
from stream.health import RateMeter
from stream.live import LiveCamera
from stream.redact import redact_error
from tracking import Tracker

log = logging.getLogger(__name__)

DEFAULT_STREAM_FPS = 10.0
"""Assumed when a stream states no frame rate."""


class Step(enum.Enum):
    """A per-camera step on a shared thread."""

    TAKE = "taking a frame"
    GATE = "the motion gate"
    WARMUP = "preparing the detector"
    TRACKER = "creating the tracker"
    FILTERING = "filtering detections"
    TRACKING = "tracking"
    PREDICTING = "predicting tracks"
    MASKING = "privacy masking"
    PUBLISHING = "publishing to viewers"
    ANALYSING = "analysing"
    FINISHING = "finishing analysis"


class StepError(Exception):
    """``step`` of one camera failed; the original error is ``__cause__``."""

    def __init__(self, step: Step, error: Exception) -> None:
        super().__init__(f"{step.value}: {type(error).__name__}: {error}")
        self.step = step
        self.error = error


@contextmanager
def step(name: Step) -> Iterator[None]:
    """Name the step an exception came from."""
    try:
        yield
    except StepError:
        raise
    except Exception as error:
        raise StepError(name, error) from error


def no_tracks() -> sv.Detections:
    tracks = sv.Detections.empty()
    tracks.tracker_id = np.array([], dtype=int)
    return tracks


@dataclass(eq=False)
class CameraPipeline:
    camera: LiveCamera
    make_tracker: Callable[[float], Tracker]
    """Builds the camera's tracker for a frame rate; called at the first analysed frame, when the
    stream's own rate is known."""
    results: Broadcast[FrameResult]
    min_interval_s: float = 0.0
    """From the camera's fps cap: frames closer together than this are skipped."""
    analysers: tuple[Analyser, ...] = ()
    """Fed every analysed frame after the subscribers got it (events, counts)."""
    gate: DetectionGate | None = None
    """Motion gating: frames it skips get the tracker's prediction instead of the detector."""
    detection_filter: DetectionFilter | None = None
    """Class filters and ignore masks, applied to the detector's boxes before tracking."""
    filtered: dict[DropReason, int] = field(default_factory=dict)
    """Detections the filter dropped, by reason."""
    privacy: PrivacySettings | None = None
    """Masking of the published frames (viewers, snapshots, the analysers' evidence); the
    detector, the tracker and the gate see the original."""
    faces: FaceMasker | None = None
    """Finds the faces to hide when ``privacy.faces`` is set."""
    clip_encoder: ClipEncoder | None = None
    """Encodes the published (masked) frames into the clip ring while the camera's own packets
    do not go there (see ``LiveCamera.remuxing``)."""
    analysis_errors: int = 0
    last_analysed: float = float("-inf")
    analysed: int = 0
    capped: int = 0
    warming: int = 0
    """Frames shown without tracks while the detector got ready for this camera's frame size."""
    queued: int = 0
    """Frames of this camera in the worker's queue (with the detector, or waiting behind those)
    or held for the detector."""
    superseded: int = 0
    """Frames held for the detector and replaced by the camera's newer frame before it had room
    (dropped, like frames replaced in the camera's slot)."""
    rate_out: RateMeter = field(default_factory=RateMeter)
    tracker: Tracker | None = None
    tracks: sv.Detections = field(default_factory=no_tracks)
    """The tracker's output for the last detected frame."""
    detected: sv.Detections = field(default_factory=no_tracks)
    """The detector's (filtered) boxes for the last detected frame: frames the gate skips hide
    them too, since a track not confirmed yet is in no prediction."""
    failure: str | None = None
    """Why the camera's analysis stopped (redacted); None while it runs."""
    failed_at: float | None = None
    """Wall-clock time of the failure."""

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def fail(self, error: Exception) -> None:
        """Stop this camera alone after ``error`` in one of its steps: record and log it (with
        its traceback, once), end its open tracks, stop decoding frames nobody will analyse."""
        if self.failure is not None:
            return
        cause = error.error if isinstance(error, StepError) else error
        where = error.step.value if isinstance(error, StepError) else "analysis"
        self.failure = (
            f"{where} failed: {redact_error(cause, self.camera.url)}; "
            "analysis stopped, change or re-enable the camera to restart it"
        )
        self.failed_at = time.time()
        self.analysis_errors += 1
        log.error(
            "camera %s: %s (the other cameras go on)\n%s",
            self.camera.camera_id,
            self.failure,
            "".join(traceback.format_tb(cause.__traceback__)).rstrip(),
        )
        self.camera.stop(0)  # asks the decoding thread to end; never waits on this thread
        self.finish(time.time())

    def tracker_for_frame(self) -> Tracker:
        if self.tracker is None:
            stream_fps = self.camera.source_fps or DEFAULT_STREAM_FPS
            analysed_fps = (
                min(stream_fps, 1 / self.min_interval_s) if self.min_interval_s else stream_fps
            )
            with step(Step.TRACKER):
                self.tracker = self.make_tracker(analysed_fps)
        return self.tracker

    def fps_out(self) -> float:
        return self.rate_out.rate(time.monotonic())

    def wants_detection(self, frame: VideoFrame) -> bool:
        """The motion gate's decision (always yes without a gate)."""
        if self.gate is None:
            return True
        with step(Step.GATE):
            return self.gate.decide(frame.image, frame.timestamp, self.tracks).detect

    def show_predicted(self, frame: VideoFrame) -> None:
        """Publish a frame the gate skipped with the tracks predicted for its time (and, for
        privacy, the detector's last boxes); before any detection finished it is blind."""
        if self.tracker is None:  # no detection finished yet: nothing is known of this frame
            self.publish(frame, no_tracks(), analysed=False, blind=True)
            return
        with step(Step.PREDICTING):
            predicted = self.tracker.predict(frame.timestamp)
        self.publish(frame, predicted, analysed=False, detections=self.detected)

    def track(self, frame: VideoFrame, detections: sv.Detections) -> None:
        """Track the detector's boxes for ``frame``, publish and analyse the result; StepError
        if a step fails (the worker then fails this camera alone)."""
        tracker = self.tracker_for_frame()
        if self.detection_filter is not None:
            with step(Step.FILTERING):
                filtered = self.detection_filter.apply(detections, frame.width, frame.height)
            detections = filtered.kept
            for reason, count in filtered.dropped.items():
                self.filtered[reason] = self.filtered.get(reason, 0) + count
        with step(Step.TRACKING):
            self.tracks = tracker.update(detections, frame.image, timestamp=frame.timestamp)
        self.detected = detections
        self.analysed += 1
        self.rate_out.tick(time.monotonic())
        result = self.publish(frame, self.tracks, analysed=True, detections=detections)
        with step(Step.ANALYSING):
            for analyser in self.analysers:
                analyser.update(result)

    def publish(
        self,
        frame: VideoFrame,
        tracks: sv.Detections,
        *,
        analysed: bool,
        detections: sv.Detections | None = None,
        blind: bool = False,
    ) -> FrameResult:
        """Hand the frame to every subscriber and return it for the analysers: masked by the
        camera's privacy settings (``tracks`` and the raw ``detections`` of the frame, so a
        track not confirmed yet is hidden too), so every output (live video, MJPEG, snapshots,
        event thumbnails) inherits the masking; ``frame`` itself is never modified. ``blind``:
        nothing looked for objects in this frame (the detector is warming up), so with classes
        to hide nothing of it is shown: it is published black."""
        with step(Step.MASKING):
            image = frame.image
            if self.privacy is not None and blind and self.privacy.hides_objects:
                image = np.zeros_like(image)
            elif self.privacy is not None and self.privacy.active:
                faces = self.faces.faces(image, tracks, detections) if self.faces else ()
                image = apply_privacy(image, tracks, self.privacy, detections, faces)
        result = FrameResult(
            index=frame.index,
            pts=frame.pts,
            image=image,
            tracks=tracks,
            analysed=analysed,
            camera_id=frame.source_id,
            received_at=frame.received_at,
        )
        with step(Step.PUBLISHING):
            self.results.publish(result)
            if self.clip_encoder is not None and not self.camera.remuxing:
                at = frame.received_at if frame.received_at is not None else time.time()
                self.clip_encoder.offer(image, at)
        return result

    def finish(self, now: float) -> None:
        for analyser in self.analysers:
            try:
                analyser.finish(now)
            except Exception:
                self.analysis_errors += 1
                log.exception("%s failed to finish", type(analyser).__name__)

"""A batch job over one file or URL: decode → detect → track → write, losing no frame.

Three threads joined by bounded blocking queues: the decoder runs ahead of detection by at most two
batches, and the writers (video encoding above all) overlap with detection of the next batch.
Detection itself is pipelined: up to the detector's ``max_in_flight`` batches run while the main
thread tracks the previous one and hands it to the writers.

Before the first frame the detector is prepared for the video's frame size: an exported model
is compiled for it and, the first time INT8 runs, calibrated on frames of this very video (or of
``JobOptions.calibrate``), so nothing but the user's own footage ever calibrates it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from config.motion import MotionConfig
from detectors import Detector, DetectorOptions, load_detector
from outputs import AnnotatedVideoWriter, FrameResult, FrameSink, JsonlWriter, MotWriter
from runtime.calibration import calibration_frames
from runtime.gate import gate_for
from runtime.pipeline import FramePipeline, StartedBatch
from runtime.stages import Channel, Stage, feed
from runtime.threads import ThreadBudget
from stream import DecodeStats, SourceInfo, VideoFrame, VideoSource
from tracking import TrackerOptions, create_tracker

JOIN_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class JobOptions:
    """Everything a file job needs. ``tracker.frame_rate`` is set from the source and the stride."""

    source: str
    detector: DetectorOptions = field(default_factory=DetectorOptions)
    tracker: TrackerOptions = field(default_factory=TrackerOptions)
    stride: int = 1
    max_frames: int | None = None
    batch_size: int = 1
    video: Path | None = None
    mot: Path | None = None
    jsonl: Path | None = None
    calibrate: str | None = None
    """Footage to calibrate an INT8 model on; None: the source itself."""
    motion: MotionConfig | None = None
    """Motion-gated detection (``runtime.gate``); None detects every (stride) frame."""

    @property
    def outputs(self) -> tuple[Path, ...]:
        """The output files asked for: video, MOT, JSONL."""
        return tuple(p for p in (self.video, self.mot, self.jsonl) if p is not None)

    def __post_init__(self) -> None:
        if self.stride < 1:
            raise ValueError(f"stride must be at least 1, got {self.stride}")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        if self.max_frames is not None and self.max_frames < 1:
            raise ValueError(f"max frames must be at least 1, got {self.max_frames}")


@dataclass(frozen=True, slots=True)
class JobReport:
    """What a finished job did."""

    source: SourceInfo
    decode: DecodeStats
    frames_analysed: int
    tracked_boxes: int
    """Tracked boxes summed over analysed frames."""
    track_ids: int
    elapsed_s: float
    outputs: tuple[Path, ...]

    @property
    def fps(self) -> float:
        return self.decode.decoded / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass(slots=True)
class _Counts:
    frames: int = 0
    boxes: int = 0
    ids: set[int] = field(default_factory=set)

    def add(self, result: FrameResult) -> None:
        if not result.analysed:
            return
        self.frames += 1
        self.boxes += len(result.tracks)
        if result.tracks.tracker_id is not None:
            self.ids.update(int(i) for i in result.tracks.tracker_id)


ProgressCallback = Callable[[int], None]
"""Called with the number of frames written so far, from the writer thread."""
StatusCallback = Callable[[str], None]
"""Told about slow steps before the first frame (a model export, INT8 calibration)."""


class FileJob:
    """Runs :class:`JobOptions` to completion. Construct, then call :meth:`run` once."""

    def __init__(
        self,
        options: JobOptions,
        *,
        detector: Detector | None = None,
        on_status: StatusCallback | None = None,
    ) -> None:
        """Open the source now, so a bad input fails before the model loads.

        ``detector`` replaces the one ``options.detector`` describes; the job does not close it.
        """
        self.options = options
        self._given_detector = detector
        self._on_status = on_status
        self._on_progress: ProgressCallback | None = None
        self._stop = threading.Event()
        self.source = VideoSource(options.source)
        self.info = self.source.info

    @property
    def expected_frames(self) -> int | None:
        """Frames the job will process if the container is honest, for progress bars."""
        known = self.info.frame_count
        if self.options.max_frames is None:
            return known
        return self.options.max_frames if known is None else min(known, self.options.max_frames)

    def run(self, on_progress: ProgressCallback | None = None) -> JobReport:
        """Process the whole source (or ``max_frames``); outputs are complete when this returns."""
        self._on_progress = on_progress
        started = time.monotonic()
        try:
            detector = self._given_detector or self._load_detector()
            self._prepare(detector)
            tracker_options = replace(
                self.options.tracker, frame_rate=self.info.fps / self.options.stride
            )
            gate = (
                gate_for(self.options.motion, tracker_options.lost_timeout_s)
                if self.options.motion
                else None
            )
            pipeline = FramePipeline(
                detector, create_tracker(tracker_options), stride=self.options.stride, gate=gate
            )
            sinks = self._open_sinks()
            try:
                counts = self._run_stages(pipeline, sinks)
            finally:
                if detector is not self._given_detector:
                    detector.close()
                _close_all(sinks)
        finally:
            self.source.close()
        return JobReport(
            source=self.info,
            decode=self.source.stats,
            frames_analysed=counts.frames,
            tracked_boxes=counts.boxes,
            track_ids=len(counts.ids),
            elapsed_s=time.monotonic() - started,
            outputs=self.options.outputs,
        )

    def stop(self) -> None:
        """Ask a running job to stop early (from another thread or a signal handler)."""
        self._stop.set()

    def _load_detector(self) -> Detector:
        budget = ThreadBudget.for_file()
        budget.apply()
        options = self.options.detector
        options = replace(options, threads=budget.inference_threads(options))
        return load_detector(options, progress=self._on_status)

    def _prepare(self, detector: Detector) -> None:
        wanted = detector.calibration_frames_wanted
        calibration = []
        if wanted:
            footage = self.options.calibrate or self.options.source
            if self._on_status is not None:
                self._on_status(f"reading {wanted} frames of {footage} to calibrate INT8 on")
            calibration = calibration_frames(footage, wanted)
        detector.prepare((self.info.height, self.info.width), calibration)

    def _open_sinks(self) -> list[FrameSink]:
        sinks: list[FrameSink] = []
        try:
            if self.options.mot:
                sinks.append(MotWriter(self.options.mot))
            if self.options.jsonl:
                sinks.append(JsonlWriter(self.options.jsonl))
            if self.options.video:
                sinks.append(
                    AnnotatedVideoWriter(
                        self.options.video,
                        width=self.info.width,
                        height=self.info.height,
                        fps=self.info.fps,
                    )
                )
        except BaseException:
            _close_all(sinks)
            raise
        return sinks

    def _run_stages(self, pipeline: FramePipeline, sinks: list[FrameSink]) -> _Counts:
        frames: Channel[VideoFrame] = Channel(2 * self.options.batch_size, self._stop)
        results: Channel[FrameResult] = Channel(2 * self.options.batch_size, self._stop)
        decoder = Stage("trackcast-decode", lambda: feed(self._frames(), frames), self._stop)
        writer = Stage("trackcast-write", lambda: self._write(results, sinks), self._stop)
        decoder.start()
        writer.start()
        counts = _Counts()
        depth = max(1, pipeline.detector.max_in_flight)
        pipeline.detector.plan(depth)
        in_flight: deque[StartedBatch] = deque()

        def finish_oldest() -> None:
            for result in pipeline.finish(in_flight.popleft()):
                counts.add(result)
                results.put(result)

        try:
            for batch in _batches(frames, self.options.batch_size):
                in_flight.append(pipeline.start(batch))
                if len(in_flight) >= depth:
                    finish_oldest()
            while in_flight:
                finish_oldest()
            results.put_end()
        except BaseException:
            self._stop.set()
            raise
        finally:
            decoder.join_and_raise(JOIN_TIMEOUT_S)
            writer.join_and_raise(None if not self._stop.is_set() else JOIN_TIMEOUT_S)
        return counts

    def _frames(self) -> Iterator[VideoFrame]:
        return itertools.islice(self.source.frames(), self.options.max_frames)

    def _write(self, results: Iterable[FrameResult], sinks: list[FrameSink]) -> None:
        for written, result in enumerate(results, start=1):
            for sink in sinks:
                sink.write(result)
            if self._on_progress is not None:
                self._on_progress(written)


def _batches(items: Iterable[VideoFrame], size: int) -> Iterator[list[VideoFrame]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _close_all(sinks: Iterable[FrameSink]) -> None:
    """Close every sink even if some fail; raise the first failure afterwards."""
    failure: BaseException | None = None
    for sink in sinks:
        try:
            sink.close()
        except BaseException as error:
            failure = failure or error
    if failure is not None:
        raise failure

"""A batch job over one file or URL: decode → detect → track → write, losing no frame.

Three threads joined by bounded blocking queues: the decoder runs ahead of detection by at most two
batches, and the writers (video encoding above all) overlap with detection of the next batch.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from detectors import Detector, DetectorOptions, load_detector
from outputs import AnnotatedVideoWriter, FrameResult, FrameSink, JsonlWriter, MotWriter
from runtime.pipeline import FramePipeline
from runtime.stages import Channel, Stage, feed
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


class FileJob:
    """Runs :class:`JobOptions` to completion. Construct, then call :meth:`run` once."""

    def __init__(self, options: JobOptions, *, detector: Detector | None = None) -> None:
        """Open the source now, so a bad input fails before the model loads.

        ``detector`` replaces the one ``options.detector`` describes; the job does not close it.
        """
        self.options = options
        self._given_detector = detector
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
            detector = self._given_detector or load_detector(self.options.detector)
            tracker_options = replace(
                self.options.tracker, frame_rate=self.info.fps / self.options.stride
            )
            pipeline = FramePipeline(
                detector, create_tracker(tracker_options), stride=self.options.stride
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
            outputs=tuple(
                p for p in (self.options.video, self.options.mot, self.options.jsonl) if p
            ),
        )

    def stop(self) -> None:
        """Ask a running job to stop early (from another thread or a signal handler)."""
        self._stop.set()

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
        try:
            for batch in _batches(frames, self.options.batch_size):
                for result in pipeline.process(batch):
                    counts.add(result)
                    results.put(result)
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

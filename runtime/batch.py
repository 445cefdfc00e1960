"""Many files through the same file job: which files, where their outputs go, and the outcome.

A batch is a list of :class:`BatchFile`, each one :class:`~runtime.file_job.JobOptions` whose
outputs live in one output folder, named after the input (``clip.mp4`` → ``clip.mot.txt``,
``clip.jsonl``, ``clip.mp4``; a second input with the same stem gets ``clip-2.*``, in input
order). :func:`run_file` runs one of them with :class:`~runtime.file_job.FileJob` exactly as
``trackcast track FILE`` does, in a scratch folder next to the outputs, and moves the outputs
into place only when the job succeeded: the output folder never holds a half-written file.
:func:`run_local` runs a batch file after file in this process; ``cluster.batch`` runs the same
:func:`run_file` as one Ray task per file.
"""

from __future__ import annotations

import enum
import json
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from detectors import Detector
from runtime.file_job import FileJob, JobOptions, ProgressCallback

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".ts", ".mts", ".mpg", ".mpeg", ".flv"}
)
"""What a folder's files must end with to be tracked (case-insensitive)."""
SUMMARY_NAME = "trackcast-batch.json"
"""The batch summary, written into the output folder."""
SCRATCH_PREFIX = ".partial-"

DetectorFactory = Callable[[], Detector]
"""Builds the detector of one file (tests pass ``BrightBlobDetector``); must pickle for Ray."""


class Output(enum.StrEnum):
    """An output of every file, named ``<name><suffix>`` in the output folder."""

    MOT = "mot"
    JSONL = "jsonl"
    VIDEO = "video"

    @property
    def suffix(self) -> str:
        return {Output.MOT: ".mot.txt", Output.JSONL: ".jsonl", Output.VIDEO: ".mp4"}[self]


class FileStatus(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class BatchFile:
    """One input of a batch and the job that tracks it."""

    index: int
    name: str
    """The stem of its outputs, unique within the batch."""
    options: JobOptions


@dataclass(frozen=True, slots=True)
class FileRun:
    """What one successful attempt at a file did."""

    frames: int
    """Frames decoded."""
    skipped: int
    """Frames that would not decode (a truncated file is tracked as far as it decodes)."""
    seconds: float


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """How a file of the batch ended, after every attempt."""

    source: str
    name: str
    status: FileStatus
    attempts: int
    error: str | None = None
    """The last attempt's error, for a failed file."""
    frames: int = 0
    skipped: int = 0
    seconds: float = 0.0
    """The successful attempt's run time."""
    node: str | None = None
    """The Ray node of the last attempt; None in a local batch."""
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BatchReport:
    files: tuple[FileOutcome, ...]
    elapsed_s: float

    @property
    def failed(self) -> tuple[FileOutcome, ...]:
        return tuple(f for f in self.files if f.status is FileStatus.FAILED)

    def write(self, path: Path) -> None:
        """The summary as JSON (written whole, then renamed, so a reader never sees half)."""
        data = {"elapsed_s": round(self.elapsed_s, 3), "files": [asdict(f) for f in self.files]}
        scratch = path.with_name(f".{path.name}.tmp")
        scratch.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        scratch.replace(path)


@dataclass(frozen=True, slots=True)
class BatchCounts:
    """Whole-job progress: how many files are in each state, and frames written so far."""

    total: int
    done: int = 0
    failed: int = 0
    running: int = 0
    frames: int = 0


BatchProgress = Callable[[BatchCounts], None]


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Every input, with each folder replaced by its video files (sorted by name, not recursive).

    ValueError for a folder that holds no video file; other inputs (files, URLs) are kept as
    given: one that does not open fails its own job, not the batch."""
    sources: list[str] = []
    for item in inputs:
        folder = Path(item)
        if not folder.is_dir():
            sources.append(item)
            continue
        videos = sorted(
            p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
        )
        if not videos:
            suffixes = " ".join(sorted(VIDEO_SUFFIXES))
            raise ValueError(f"{folder} holds no video file (looked for {suffixes})")
        sources += [str(p) for p in videos]
    return sources


def plan_batch(
    sources: Sequence[str], out_dir: Path, outputs: Iterable[Output], template: JobOptions
) -> list[BatchFile]:
    """One :class:`BatchFile` per source: ``template`` with that source and its output paths.

    Local paths become absolute, so that a Ray worker with another working directory finds them.
    """
    out_dir = out_dir.resolve()
    wanted = set(outputs)
    taken: set[str] = set()
    files = []
    for index, source in enumerate(sources):
        stem = Path(source.rstrip("/")).stem or "stream"
        name, n = stem, 1
        while name in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name)
        paths = {o: out_dir / f"{name}{o.suffix}" if o in wanted else None for o in Output}
        options = replace(
            template,
            source=source if "://" in source else str(Path(source).resolve()),
            mot=paths[Output.MOT],
            jsonl=paths[Output.JSONL],
            video=paths[Output.VIDEO],
        )
        files.append(BatchFile(index, name, options))
    return files


def run_file(
    file: BatchFile,
    *,
    detector: Detector | None = None,
    on_progress: ProgressCallback | None = None,
) -> FileRun:
    """Track ``file`` with :class:`FileJob` into a scratch folder beside its outputs, then move
    the outputs into place; on failure nothing of this attempt is left behind."""
    finals = file.options.outputs
    if not finals:
        raise ValueError("a batch needs at least one output")
    scratch = finals[0].parent / f"{SCRATCH_PREFIX}{file.name}"
    shutil.rmtree(scratch, ignore_errors=True)  # a dead worker's earlier attempt
    options = replace(
        file.options,
        video=_inside(scratch, file.options.video),
        mot=_inside(scratch, file.options.mot),
        jsonl=_inside(scratch, file.options.jsonl),
    )
    try:
        report = FileJob(options, detector=detector).run(on_progress=on_progress)
        for final in finals:
            (scratch / final.name).replace(final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return FileRun(report.decode.decoded, report.decode.skipped, round(report.elapsed_s, 3))


def run_file_with(
    file: BatchFile, detector_factory: DetectorFactory | None, on_progress: ProgressCallback
) -> FileRun:
    """:func:`run_file` with a detector from ``detector_factory`` (closed after), or, without
    one, the model ``file.options.detector`` names, loaded by the job as a single run does."""
    detector = detector_factory() if detector_factory is not None else None
    try:
        return run_file(file, detector=detector, on_progress=on_progress)
    finally:
        if detector is not None:
            detector.close()


def _inside(folder: Path, path: Path | None) -> Path | None:
    return None if path is None else folder / path.name


@dataclass
class _Tally:
    """Counts of a local batch, turned into :class:`BatchCounts` for the progress callback."""

    total: int
    outcomes: list[FileOutcome] = field(default_factory=list)

    def counts(self, running: int = 0, frames_now: int = 0) -> BatchCounts:
        return BatchCounts(
            total=self.total,
            done=sum(o.status is FileStatus.DONE for o in self.outcomes),
            failed=sum(o.status is FileStatus.FAILED for o in self.outcomes),
            running=running,
            frames=sum(o.frames for o in self.outcomes) + frames_now,
        )


def run_local(
    files: Sequence[BatchFile],
    *,
    retries: int,
    detector_factory: DetectorFactory | None = None,
    on_progress: BatchProgress | None = None,
) -> BatchReport:
    """Each file in turn, each tried up to ``1 + retries`` times; a failure never stops the
    batch."""
    started = time.monotonic()
    tally = _Tally(len(files))

    def report(running: int = 0, frames: int = 0) -> None:
        if on_progress is not None:
            on_progress(tally.counts(running, frames))

    for file in files:
        report(running=1)
        tally.outcomes.append(
            _attempt_locally(file, retries, detector_factory, lambda n: report(1, n))
        )
        report()
    return BatchReport(tuple(tally.outcomes), time.monotonic() - started)


def _attempt_locally(
    file: BatchFile,
    retries: int,
    detector_factory: DetectorFactory | None,
    on_frames: ProgressCallback,
) -> FileOutcome:
    error = ""
    for attempt in range(1, retries + 2):
        try:
            run = run_file_with(file, detector_factory, on_frames)
        except Exception as failure:  # any error of this file fails this file only
            error = describe(failure)
            continue
        return done(file, run, attempt)
    return FileOutcome(file.options.source, file.name, FileStatus.FAILED, retries + 1, error)


def done(file: BatchFile, run: FileRun, attempts: int, node: str | None = None) -> FileOutcome:
    return FileOutcome(
        source=file.options.source,
        name=file.name,
        status=FileStatus.DONE,
        attempts=attempts,
        frames=run.frames,
        skipped=run.skipped,
        seconds=run.seconds,
        node=node,
        outputs=tuple(str(p) for p in file.options.outputs),
    )


def describe(error: BaseException) -> str:
    """One line for the summary: the error's first line, with its type when it says nothing."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__

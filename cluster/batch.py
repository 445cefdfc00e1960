"""``trackcast track --cluster ADDRESS``: one Ray task per file, each running the very
:func:`runtime.batch.run_file` of a local batch.

Every task asks Ray for ``cpus`` CPUs (default 1) and its detector runs that many inference
threads (unless ``--threads`` says otherwise), so that a node runs as many files at once as it has
CPUs and no more. Inputs and the output folder must be at the same path on every node (a shared
filesystem); the driver only plans, watches and writes the summary.

Ray retries a task whose worker or node died (``max_retries``) and one that raised
(``retry_exceptions``), up to ``retries`` times in all. Each attempt tells a progress actor that
it started and waits for the answer (so attempts and nodes are counted even for a worker that
dies), then about once a second how many frames it has written; the driver polls that actor
while it waits for tasks. Tasks are spread over the nodes (``SPREAD``) rather than packed onto
the first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import ray
from ray.exceptions import RayError, RayTaskError

from cluster.client import connect
from runtime.batch import (
    BatchCounts,
    BatchFile,
    BatchProgress,
    BatchReport,
    DetectorFactory,
    FileOutcome,
    FileRun,
    FileStatus,
    describe,
    done,
    run_file_with,
)

POLL_S = 1.0
"""How often the driver reports progress while tasks run."""
REPORT_EVERY_S = 1.0
"""How often a task tells the progress actor its frame count."""


@dataclass(frozen=True, slots=True)
class ClusterBatch:
    """How a batch runs on the cluster."""

    retries: int = 2
    cpus: float = 1
    """Ray CPUs per file; the detector's default inference threads."""


@dataclass(frozen=True, slots=True)
class _Attempts:
    """What the progress actor knows of one file."""

    started: int = 0
    node: str | None = None
    frames: int = 0


@dataclass(slots=True)
class _ProgressState:
    files: dict[int, _Attempts] = field(default_factory=dict)

    def started(self, index: int, node: str) -> None:
        before = self.files.get(index, _Attempts())
        self.files[index] = _Attempts(before.started + 1, node, 0)

    def frames(self, index: int, frames: int) -> None:
        before = self.files.get(index, _Attempts())
        self.files[index] = replace(before, frames=frames)


@ray.remote(num_cpus=0)
class _ProgressActor:
    """Attempts, nodes and frame counts of every file; tasks tell it, the driver reads it."""

    def __init__(self) -> None:
        self.state = _ProgressState()

    def started(self, index: int, node: str) -> None:
        self.state.started(index, node)

    def frames(self, index: int, frames: int) -> None:
        self.state.frames(index, frames)

    def snapshot(self) -> dict[int, _Attempts]:
        return dict(self.state.files)


def _track(
    file: BatchFile, detector_factory: DetectorFactory | None, progress: ray.actor.ActorHandle
) -> tuple[FileRun, str]:
    """The Ray task: one attempt at one file on whatever node Ray picked."""
    node = str(ray.get_runtime_context().get_node_id())
    ray.get(progress.started.remote(file.index, node))  # counted before a crash can lose it
    last = 0.0

    def report(frames: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= REPORT_EVERY_S:
            last = now
            progress.frames.remote(file.index, frames)

    return run_file_with(file, detector_factory, report), node


def pin_threads(files: Sequence[BatchFile], cpus: float) -> list[BatchFile]:
    """Each file's detector on ``cpus`` inference threads unless the user chose a number: a
    detector sized for the whole node, times one task per CPU, would oversubscribe it."""
    threads = max(1, int(cpus))
    pinned = []
    for file in files:
        detector = file.options.detector
        if detector.threads is None:
            detector = replace(detector, threads=threads)
        pinned.append(replace(file, options=replace(file.options, detector=detector)))
    return pinned


@contextmanager
def connected(address: str) -> Iterator[None]:
    """This process as the driver of the Ray cluster at ``address``, disconnected after;
    ClusterError at once if nothing answers there."""
    connect(address)
    try:
        yield
    finally:
        ray.shutdown()


def run_on_cluster(
    files: Sequence[BatchFile],
    settings: ClusterBatch,
    *,
    detector_factory: DetectorFactory | None = None,
    on_progress: BatchProgress | None = None,
) -> BatchReport:
    """Track ``files`` on the cluster this process is :func:`connected` to; returns when every
    file is done or has failed ``1 + settings.retries`` times."""
    started = time.monotonic()
    outcomes = _run(pin_threads(files, settings.cpus), settings, detector_factory, on_progress)
    return BatchReport(outcomes, time.monotonic() - started)


def _run(
    files: Sequence[BatchFile],
    settings: ClusterBatch,
    detector_factory: DetectorFactory | None,
    on_progress: BatchProgress | None,
) -> tuple[FileOutcome, ...]:
    progress = _ProgressActor.remote()  # type: ignore[attr-defined]
    task = ray.remote(_track).options(
        num_cpus=settings.cpus,
        max_retries=settings.retries,
        retry_exceptions=True,
        scheduling_strategy="SPREAD",
    )
    by_ref = {task.remote(file, detector_factory, progress): file for file in files}
    outcomes: dict[int, FileOutcome] = {}
    pending = list(by_ref)
    while pending:
        ready, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_S)
        attempts: dict[int, _Attempts] = ray.get(progress.snapshot.remote())
        for ref in ready:
            file = by_ref[ref]
            outcomes[file.index] = _outcome(file, ref, attempts.get(file.index, _Attempts()))
        if on_progress is not None:
            on_progress(_counts(len(files), outcomes, attempts))
    ray.kill(progress)
    return tuple(outcomes[file.index] for file in files)


def _outcome(file: BatchFile, ref: ray.ObjectRef, attempts: _Attempts) -> FileOutcome:
    try:
        run, node = ray.get(ref)
    except RayTaskError as error:  # the file's own error, after every retry
        return _failed(file, attempts, describe(error.cause or error))
    except RayError as error:  # its worker or node died on the last attempt
        return _failed(file, attempts, f"{type(error).__name__}: {describe(error)}")
    return done(file, run, max(1, attempts.started), node)


def _failed(file: BatchFile, attempts: _Attempts, error: str) -> FileOutcome:
    return FileOutcome(
        file.options.source, file.name, FileStatus.FAILED, attempts.started, error,
        node=attempts.node,
    )  # fmt: skip


def _counts(
    total: int, outcomes: dict[int, FileOutcome], attempts: dict[int, _Attempts]
) -> BatchCounts:
    finished = outcomes.values()
    running = [i for i, a in attempts.items() if a.started and i not in outcomes]
    return BatchCounts(
        total=total,
        done=sum(o.status is FileStatus.DONE for o in finished),
        failed=sum(o.status is FileStatus.FAILED for o in finished),
        running=len(running),
        frames=sum(o.frames for o in finished) + sum(attempts[i].frames for i in running),
    )

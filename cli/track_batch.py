"""``trackcast track A B FOLDER --out DIR [--cluster ADDRESS]``: many files, one summary.

Without ``--cluster`` the files run one after another in this process; with it, one Ray task per
file (``cluster.batch``). Either way each file runs the same job as ``trackcast track FILE``,
its outputs are named after it in ``--out``, a failed file is tried ``--retries`` more times, and
``trackcast-batch.json`` in ``--out`` records every file's outcome. Exit status 1 when any file
failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runtime.batch import BatchFile, BatchReport, DetectorFactory, Output

EXIT_FILES_FAILED = 1


def is_batch(args: argparse.Namespace) -> bool:
    """Several sources, a folder, ``--out`` or ``--cluster``; one file alone runs as before."""
    return (
        len(args.sources) > 1
        or args.out is not None
        or args.cluster is not None
        or Path(args.sources[0]).is_dir()
    )


def run_batch(args: argparse.Namespace, *, detector_factory: DetectorFactory | None = None) -> int:
    """``detector_factory`` replaces the model ``--model`` names (tests pass a blob detector)."""
    from cli.progress import BatchBar
    from outputs.errors import write_error
    from runtime.batch import SUMMARY_NAME, run_local

    files = plan(args)
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_error(out, error) from None
    if args.cluster is None:
        with BatchBar(len(files), enabled=not args.no_progress) as bar:
            report = run_local(
                files, retries=args.retries, detector_factory=detector_factory,
                on_progress=bar.update,
            )  # fmt: skip
    else:
        report = _run_on_cluster(args, files, detector_factory)
    summary_path = out / SUMMARY_NAME
    report.write(summary_path)
    print(summary(report, summary_path))
    return EXIT_FILES_FAILED if report.failed else 0


def plan(args: argparse.Namespace) -> list[BatchFile]:
    """The batch the arguments describe; ValueError (exit 2) for arguments a batch refuses."""
    from cli.track import tracking_options
    from runtime.batch import expand_inputs, plan_batch

    if args.video or args.mot or args.jsonl:
        raise ValueError(
            "a batch names each file's outputs after it: give --out DIR and --outputs,"
            " not --video, --mot or --jsonl"
        )
    if args.out is None:
        raise ValueError("several sources, a folder or --cluster need --out DIR")
    if args.retries < 0:
        raise ValueError(f"--retries must be 0 or more, got {args.retries}")
    if args.cpus_per_file <= 0:
        raise ValueError(f"--cpus-per-file must be more than 0, got {args.cpus_per_file}")
    outputs = parse_outputs(args.outputs)
    sources = expand_inputs(args.sources)
    template = tracking_options(args, sources[0], max_frames=args.max_frames)
    return plan_batch(sources, args.out, outputs, template)


def parse_outputs(text: str) -> list[Output]:
    from runtime.batch import Output

    names = [n.strip() for n in text.split(",") if n.strip()]
    known = ", ".join(Output)
    if not names:
        raise ValueError(f"--outputs names nothing; choose from {known}")
    for name in names:
        if name not in set(Output):
            raise ValueError(f"unknown output {name!r} in --outputs; choose from {known}")
    return [Output(n) for n in names]


def _run_on_cluster(
    args: argparse.Namespace,
    files: list[BatchFile],
    detector_factory: DetectorFactory | None,
) -> BatchReport:
    from cli.progress import BatchBar
    from cluster import require_ray

    require_ray()
    from cluster.batch import ClusterBatch, connected, run_on_cluster

    settings = ClusterBatch(retries=args.retries, cpus=args.cpus_per_file)
    with connected(args.cluster), BatchBar(len(files), enabled=not args.no_progress) as bar:
        return run_on_cluster(
            files, settings, detector_factory=detector_factory, on_progress=bar.update
        )


def summary(report: BatchReport, summary_path: Path) -> str:
    """Counts, one line per failed file with its reason, and where the details are."""
    failed = report.failed
    frames = sum(f.frames for f in report.files)
    per_min = 60 * len(report.files) / report.elapsed_s if report.elapsed_s > 0 else 0.0
    lines = [
        f"{len(report.files) - len(failed)} of {len(report.files)} files tracked, {frames} frames,"
        f" {report.elapsed_s:.1f} s ({per_min:.1f} files/min)"
    ]
    lines += [f"FAILED {f.source} after {f.attempts} attempt(s): {f.error}" for f in failed]
    lines.append(f"wrote {summary_path}")
    if failed:
        print(f"trackcast: {len(failed)} file(s) failed; see {summary_path}", file=sys.stderr)
    return "\n".join(lines)

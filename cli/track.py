"""``trackcast track SOURCE``: detect and track over a file or URL, write video, MOT and JSONL.

Several sources, a folder, ``--out`` or ``--cluster`` make it a batch (``cli.track_batch``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detectors import BACKENDS, BUNDLED_MODELS, DEFAULT_MODEL, PRECISIONS, DetectorOptions
from tracking import DEFAULT_TRACKER, TRACKER_NAMES, TrackerOptions

if TYPE_CHECKING:
    from runtime import JobOptions, JobReport

EXAMPLES = """examples:
  trackcast track data/vtest.avi --model person-yolov8s --video out/vtest.mp4
  trackcast track clip.mp4 --model coco-yolov3-tiny --classes person,car --jsonl out/clip.jsonl
  trackcast track rtsp://cam.local/stream --max-frames 300 --mot out/cam.txt
  trackcast track videos/ more.mp4 --model coco-yolov3-tiny --out out/ --outputs mot,jsonl
  trackcast track /shared/videos --cluster ray-head:6379 --out /shared/tracks
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "track",
        help="detect and track objects in a video file or stream",
        description="Detect and track objects in a video file or any URL FFmpeg opens.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="video file path or URL (rtsp://, http://, ...); several, or a folder of videos,"
        " for a batch into --out",
    )
    add_tracking_arguments(parser)
    parser.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--video", type=Path, metavar="PATH", help="annotated H.264 MP4 output")
    parser.add_argument("--mot", type=Path, metavar="PATH", help="MOTChallenge tracks output")
    parser.add_argument("--jsonl", type=Path, metavar="PATH", help="JSON Lines output, per frame")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_batch_arguments(parser)
    parser.set_defaults(handler=run)


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """Many files at once, here or on a Ray cluster (``cli.track_batch``)."""
    group = parser.add_argument_group("batch (several sources or a folder)")
    group.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder: <name>.mot.txt, .jsonl, .mp4 per file",
    )
    group.add_argument(
        "--outputs",
        default="mot,jsonl",
        metavar="LIST",
        help="what to write per file: mot, jsonl, video (%(default)s)",
    )
    group.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run one Ray task per file on this Ray cluster (host:port, or auto); inputs and --out"
        " must be at the same path on every node",
    )
    group.add_argument(
        "--retries",
        type=int,
        default=2,
        metavar="N",
        help="tries after a file's first failure (%(default)s)",
    )
    group.add_argument(
        "--cpus-per-file",
        type=float,
        metavar="N",
        default=1,
        help="Ray CPUs each file's task takes, and its inference threads (%(default)s)",
    )


def add_tracking_arguments(parser: argparse.ArgumentParser) -> None:
    """The model, tracker and pace of a tracking run (shared with ``trackcast dataset``)."""
    models = ", ".join(BUNDLED_MODELS)
    parser.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"weights path, ultralytics name (downloads when online) or offline alias: {models}"
        f" (default: {DEFAULT_MODEL})",
    )
    parser.add_argument("--imgsz", type=int, help="inference size in pixels (default: per model)")
    defaults = DetectorOptions()
    parser.add_argument(
        "--conf",
        type=float,
        default=defaults.conf,
        help="minimum detection confidence; tracks start at 0.25 (%(default)s)",
    )
    parser.add_argument(
        "--iou", type=float, default=defaults.iou, help="NMS IoU threshold (%(default)s)"
    )
    parser.add_argument("--classes", help="comma-separated class names to keep, e.g. person,car")
    add_backend_arguments(parser)
    parser.add_argument(
        "--tracker", choices=TRACKER_NAMES, default=DEFAULT_TRACKER, help="tracker (%(default)s)"
    )
    parser.add_argument(
        "--stride",
        type=int,
        default=1,
        help="detect every Nth frame; others get the tracks predicted for them",
    )
    parser.add_argument(
        "--motion-gate",
        action="store_true",
        help="detect only frames with motion or moving tracks, plus a keyframe every 1.5 s; "
        "still frames get the tracks predicted for them (fast on surveillance footage)",
    )
    parser.add_argument(
        "--batch", type=int, default=1, help="frames per detector call; more helps on GPUs (1)"
    )


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """Where and how the model runs (shared with ``trackcast export``)."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="openvino or onnxruntime (exported from the weights on first use and cached), torch;"
        " auto: OpenVINO on the CPU, PyTorch on CUDA (%(default)s)",
    )
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="int8 is calibrated on your footage on first use; auto: int8 on OpenVINO, fp16 on "
        "CUDA, else fp32 (%(default)s)",
    )
    parser.add_argument(
        "--calibrate",
        metavar="PATH",
        help="video to calibrate INT8 on (default: the source itself)",
    )
    parser.add_argument("--device", help="torch device for ultralytics models, e.g. cpu, cuda:0")
    parser.add_argument("--threads", type=int, help="CPU threads for inference (all cores)")


def detector_options(args: argparse.Namespace) -> DetectorOptions:
    classes = tuple(c.strip() for c in (args.classes or "").split(",") if c.strip())
    return DetectorOptions(
        model=args.model,
        imgsz=args.imgsz,
        conf=args.conf,
        iou=args.iou,
        classes=classes,
        device=args.device,
        threads=args.threads,
        backend=args.backend,
        precision=args.precision,
    )


def options_from_args(args: argparse.Namespace) -> JobOptions:
    return tracking_options(
        args, args.sources[0], max_frames=args.max_frames, video=args.video, mot=args.mot,
        jsonl=args.jsonl,
    )  # fmt: skip


def tracking_options(
    args: argparse.Namespace,
    source: str,
    *,
    max_frames: int | None = None,
    video: Path | None = None,
    mot: Path | None = None,
    jsonl: Path | None = None,
) -> JobOptions:
    """A tracking job of ``source`` with the options of :func:`add_tracking_arguments`."""
    from config.motion import MotionConfig
    from runtime import JobOptions

    return JobOptions(
        source=source,
        detector=detector_options(args),
        calibrate=args.calibrate,
        tracker=TrackerOptions(name=args.tracker),
        stride=args.stride,
        motion=MotionConfig() if args.motion_gate else None,
        max_frames=max_frames,
        batch_size=args.batch,
        video=video,
        mot=mot,
        jsonl=jsonl,
    )


def run(args: argparse.Namespace) -> int:
    from cli.track_batch import is_batch, run_batch

    if is_batch(args):
        return run_batch(args)
    return run_single(args)


def run_single(args: argparse.Namespace) -> int:
    from cli.progress import ProgressBar
    from runtime import FileJob

    options = options_from_args(args)
    job = FileJob(options, on_status=say)
    with ProgressBar(job.expected_frames, job.info.url, enabled=not args.no_progress) as bar:
        report = job.run(on_progress=bar.update)
    print(summary(report))
    if report.decode.skipped:
        print(
            f"trackcast: warning: {report.decode.skipped} frame(s) could not be decoded "
            "(corrupt or truncated input); results cover the frames that did",
            file=sys.stderr,
        )
    return 0


def say(message: str) -> None:
    """A status line on stderr (slow first-use steps such as a model export)."""
    from tqdm import tqdm

    tqdm.write(f"trackcast: {message}", file=sys.stderr)


def summary(report: JobReport) -> str:
    decode = report.decode
    per_frame = report.tracked_boxes / report.frames_analysed if report.frames_analysed else 0.0
    lines = [
        f"{report.source.url}: {decode.decoded} frames decoded, {decode.skipped} skipped, "
        f"{report.frames_analysed} analysed, {per_frame:.2f} tracks per frame, "
        f"{report.track_ids} track ids, {report.fps:.1f} fps ({report.elapsed_s:.1f} s)"
    ]
    lines += [f"wrote {path}" for path in report.outputs]
    if not report.outputs:
        lines.append("no output files: add --video, --mot or --jsonl to keep the tracks")
    return "\n".join(lines)

"""``trackcast dataset VIDEO TRACKS.jsonl --out DIR``: turn tracks into a labelled dataset;
``trackcast dataset --service URL --camera ID --since T --until T --out DIR``: the same from a
stretch of a camera's recordings, fetched through the service's API and tracked here.

Only registers the command (the parser imports nothing heavy); :mod:`annotation.export` does
the work, :mod:`annotation.camera_stretch` fetches a camera's video and events.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.track import add_tracking_arguments

if TYPE_CHECKING:
    from annotation.camera_stretch import CameraStretch
    from annotation.export import ExportOptions, ExportReport
    from outputs.privacy import PrivacySettings

EXAMPLES = """examples:
  trackcast track data/vtest.avi --model person-yolov8s --jsonl out/vtest.jsonl
  trackcast dataset data/vtest.avi out/vtest.jsonl --out out/vtest-dataset --every 2
  trackcast dataset data/vtest.avi out/vtest.jsonl --out out/ds --events out/events.jsonl \\
      --scene-change 8 --review-below 0.5 --review-new-tracks --crops
  trackcast dataset --service http://127.0.0.1:8000 --camera door --token-env TRACKCAST_TOKEN \\
      --since 2026-11-27T08:00:00Z --until 2026-11-27T08:30:00Z --camera-events \\
      --model person-yolov8s --out out/door-dataset

writes: data.yaml, images/{train,val}/*.jpg, labels/{train,val}/*.txt (YOLO), coco.json,
and with review options images/review, labels/review, review.txt and review.jsonl
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "dataset",
        help="write a YOLO and COCO dataset from a video and its tracks",
        description="Sample frames of a video (every N seconds, at events, on scene changes; "
        "near-duplicates skipped) and label them with the tracks of trackcast track --jsonl.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "video", type=Path, nargs="?", help="the video the tracks were made from",
    )  # fmt: skip
    parser.add_argument(
        "tracks", type=Path, nargs="?", help="tracks file written by trackcast track --jsonl",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="new or empty output folder")
    parser.add_argument(
        "--every", type=float, metavar="S", help="keep a frame every S seconds (default 2 "
        "when neither --events nor --scene-change is given)",
    )  # fmt: skip
    parser.add_argument(
        "--events", type=Path, metavar="PATH",
        help="events JSON Lines (trackcast analyze --events-out): keep the frame of each event",
    )  # fmt: skip
    parser.add_argument(
        "--scene-change", type=float, metavar="LEVELS",
        help="keep a frame whose downscaled grey image differs from the last kept one by at "
        "least this mean (grey levels, 0-255)",
    )  # fmt: skip
    parser.add_argument(
        "--dedupe", type=float, default=1.0, metavar="LEVELS",
        help="skip a frame that differs from the last kept one by less (default 1.0; 0: off)",
    )  # fmt: skip
    parser.add_argument(
        "--review-below", type=float, metavar="CONF",
        help="also write frames with a box below this confidence to the review split",
    )  # fmt: skip
    parser.add_argument(
        "--review-new-tracks", action="store_true",
        help="also write frames where a track id first appears to the review split",
    )  # fmt: skip
    parser.add_argument(
        "--val-every", type=int, default=5, metavar="N",
        help="every N-th kept frame goes to val, the others to train (default 5; 1: all val)",
    )  # fmt: skip
    parser.add_argument("--jpeg-quality", type=int, default=90, help="1-100 (default 90)")
    parser.add_argument("--crops", action="store_true", help="also write crops/<class>/<track>")
    parser.add_argument(
        "--include-predicted", action="store_true",
        help="also sample frames a stride skipped (their boxes are predictions)",
    )  # fmt: skip
    camera = parser.add_argument_group(
        "from a camera's recordings",
        "Fetch a stretch of a camera's video (at most an hour) from a running trackcast service "
        "(GET /api/cameras/ID/clip.mp4), track it here with the options below (as trackcast "
        "track does), and export that.",
    )
    camera.add_argument("--service", metavar="URL", help="the service, e.g. http://host:8000")
    camera.add_argument("--camera", metavar="ID", help="the camera's id")
    camera.add_argument("--since", metavar="TIME", help="epoch seconds or ISO-8601 with a zone")
    camera.add_argument("--until", metavar="TIME", help="epoch seconds or ISO-8601 with a zone")
    camera.add_argument(
        "--token-env", metavar="NAME",
        help="environment variable holding an API token (a viewer token is enough)",
    )  # fmt: skip
    camera.add_argument(
        "--jsonl", type=Path, metavar="PATH",
        help="also keep the tracks made of the stretch (trackcast track --jsonl format)",
    )  # fmt: skip
    camera.add_argument(
        "--camera-events", action="store_true",
        help="keep the frame of each of the camera's stored events in the stretch",
    )  # fmt: skip
    add_tracking_arguments(camera)
    parser.add_argument(
        "--privacy-classes", metavar="NAMES",
        help="hide the tracked boxes of these classes in the written images and crops, e.g. "
        "person (comma-separated; the labels keep the boxes). Off by default",
    )  # fmt: skip
    parser.add_argument(
        "--privacy-mode", choices=("pixelate", "blur", "black"), default="pixelate",
        help="how those boxes are hidden (default pixelate)",
    )  # fmt: skip
    parser.add_argument(
        "--privacy-zone", action="append", default=[], metavar="X,Y X,Y X,Y...",
        help="a polygon filled black in every written image, corners as fractions (0-1) of the "
        "width and height, e.g. '0.8,0 1,0 1,0.3 0.8,0.3'; may be repeated",
    )  # fmt: skip
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotation.export import export_dataset
    from annotation.tracks import read_event_times

    stretch = _stretch(args)
    if stretch is not None:
        return _run_camera(args, stretch)
    if args.video is None or args.tracks is None:
        raise ValueError("give a VIDEO and its TRACKS file, or --service and --camera")
    if args.camera_events or args.jsonl:
        raise ValueError("--camera-events and --jsonl go with --camera")
    events = tuple(read_event_times(args.events)) if args.events else ()
    report = export_dataset(args.video, args.tracks, _options(args, events))
    _print_report(args, str(args.video), report)
    return 0


def _options(args: argparse.Namespace, events: tuple[float, ...]) -> ExportOptions:
    from annotation.export import ExportOptions
    from annotation.selection import SelectionOptions

    every = args.every
    if every is None and args.events is None and not args.camera_events:
        every = None if args.scene_change is not None else 2.0
    selection = SelectionOptions(
        every_s=every,
        event_times=events,
        scene_change=args.scene_change,
        duplicate_below=args.dedupe,
        review_confidence=args.review_below,
        review_new_tracks=args.review_new_tracks,
    )
    return ExportOptions(
        out=args.out,
        selection=selection,
        jpeg_quality=args.jpeg_quality,
        val_every=args.val_every,
        crops=args.crops,
        include_predicted=args.include_predicted,
        privacy=_privacy(args),
    )


def _stretch(args: argparse.Namespace) -> CameraStretch | None:
    from annotation.camera_stretch import CameraStretch, parse_time

    given = [args.service, args.camera, args.since, args.until]
    if all(value is None for value in given):
        return None
    if any(value is None for value in given):
        raise ValueError("a camera's stretch needs all of --service, --camera, --since, --until")
    if args.video is not None or args.tracks is not None:
        raise ValueError("give either a VIDEO and TRACKS or --camera, not both")
    if args.events is not None:
        raise ValueError("--events is a file for a VIDEO; with --camera use --camera-events")
    token = None
    if args.token_env:
        token = os.environ.get(args.token_env)
        if not token:
            raise ValueError(f"the environment variable {args.token_env} is not set")
    return CameraStretch(
        service=args.service.rstrip("/"),
        camera=args.camera,
        since=parse_time(args.since),
        until=parse_time(args.until),
        token=token,
    )


def _run_camera(args: argparse.Namespace, stretch: CameraStretch) -> int:
    from annotation.camera_stretch import fetch_clip, fetch_event_times
    from annotation.export import export_dataset
    from cli.track import say, tracking_options
    from runtime import FileJob

    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        raise ValueError(f"{args.out} exists and is not an empty folder: choose a new one")
    with tempfile.TemporaryDirectory(prefix="trackcast-dataset-") as scratch:
        folder = Path(scratch)
        clip = fetch_clip(stretch, folder / f"{stretch.camera}.mp4")
        events: tuple[float, ...] = ()
        if args.camera_events:
            times = fetch_event_times(stretch)
            events = tuple(t - clip.start for t in times)
            print(f"{len(events)} stored events of camera {stretch.camera!r} in the stretch")
        tracks = args.jsonl or folder / "tracks.jsonl"
        job = FileJob(tracking_options(args, str(clip.path), jsonl=tracks), on_status=say)
        tracked = job.run()
        print(
            f"camera {stretch.camera!r}: {tracked.decode.decoded} frames from "
            f"{clip.start:.3f}, {tracked.tracked_boxes} tracked boxes, {tracked.track_ids} "
            f"track ids"
        )
        report = export_dataset(clip.path, tracks, _options(args, events))
    _print_report(args, f"camera {stretch.camera!r}", report)
    return 0


def _print_report(args: argparse.Namespace, source: str, report: ExportReport) -> None:
    kept = sum(report.kept.values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(report.reasons.items()))
    print(
        f"{source}: {report.frames} tracked frames, {kept} kept"
        + (f" ({reasons})" if reasons else "")
        + f", {report.duplicates} near-duplicates skipped"
    )
    print(
        f"wrote {args.out}: {report.kept['train']} train and {report.kept['val']} val images, "
        f"{report.labels} labels, {report.review} for review, {report.crops} crops"
    )
    if report.outside:
        print(f"{report.outside} boxes outside the frame left out")


def _privacy(args: argparse.Namespace) -> PrivacySettings | None:
    """The masking of ``--privacy-*``, validated as a camera's ``privacy`` is; None when off."""
    from pydantic import ValidationError

    from config.privacy import PrivacyConfig

    classes = [c.strip() for c in (args.privacy_classes or "").split(",") if c.strip()]
    if not classes and not args.privacy_zone:
        return None
    try:
        zones = [_zone(text) for text in args.privacy_zone]
        config = PrivacyConfig.model_validate(
            {"classes": classes, "mode": args.privacy_mode, "zones": zones}
        )
    except ValidationError as error:
        reasons = "; ".join(str(e["msg"]) for e in error.errors())
        raise ValueError(f"--privacy-*: {reasons}") from None
    return config.settings()


def _zone(text: str) -> dict[str, object]:
    try:
        points = [[float(v) for v in corner.split(",")] for corner in text.split()]
    except ValueError:
        raise ValueError(f"--privacy-zone {text!r}: corners are X,Y numbers") from None
    return {"coordinates": "normalized", "polygon": points}

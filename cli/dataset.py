"""``trackcast dataset VIDEO TRACKS.jsonl --out DIR``: turn tracks into a labelled dataset.

Only registers the command (the parser imports nothing heavy); :mod:`annotation.export` does
the work.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from outputs.privacy import PrivacySettings

EXAMPLES = """examples:
  trackcast track data/vtest.avi --model person-yolov8s --jsonl out/vtest.jsonl
  trackcast dataset data/vtest.avi out/vtest.jsonl --out out/vtest-dataset --every 2
  trackcast dataset data/vtest.avi out/vtest.jsonl --out out/ds --events out/events.jsonl \\
      --scene-change 8 --review-below 0.5 --review-new-tracks --crops

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
    parser.add_argument("video", type=Path, help="the video the tracks were made from")
    parser.add_argument("tracks", type=Path, help="tracks file written by trackcast track --jsonl")
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
    from annotation.export import ExportOptions, export_dataset
    from annotation.selection import SelectionOptions
    from annotation.tracks import read_event_times

    events = tuple(read_event_times(args.events)) if args.events else ()
    every = args.every
    if every is None and args.events is None and args.scene_change is None:
        every = 2.0
    selection = SelectionOptions(
        every_s=every,
        event_times=events,
        scene_change=args.scene_change,
        duplicate_below=args.dedupe,
        review_confidence=args.review_below,
        review_new_tracks=args.review_new_tracks,
    )
    options = ExportOptions(
        out=args.out,
        selection=selection,
        jpeg_quality=args.jpeg_quality,
        val_every=args.val_every,
        crops=args.crops,
        include_predicted=args.include_predicted,
        privacy=_privacy(args),
    )
    report = export_dataset(args.video, args.tracks, options)
    kept = sum(report.kept.values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(report.reasons.items()))
    print(
        f"{args.video}: {report.frames} tracked frames, {kept} kept"
        + (f" ({reasons})" if reasons else "")
        + f", {report.duplicates} near-duplicates skipped"
    )
    print(
        f"wrote {args.out}: {report.kept['train']} train and {report.kept['val']} val images, "
        f"{report.labels} labels, {report.review} for review, {report.crops} crops"
    )
    if report.outside:
        print(f"{report.outside} boxes outside the frame left out")
    return 0


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

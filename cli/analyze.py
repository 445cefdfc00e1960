"""``trackcast analyze TRACKS.jsonl --config FILE``: replay a tracks file through the analytics.

See :mod:`cli.replay` for how the records become frames again; this module only registers the
command, so that the parser imports nothing heavy.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

EXAMPLES = """examples:
  trackcast track data/vtest.avi --model person-yolov8s --jsonl out/vtest.jsonl
  trackcast analyze out/vtest.jsonl --config geometry.yaml --events-out out/events.jsonl
  trackcast analyze out/cam.jsonl --config cameras.yaml --camera entrance --fps 10
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "analyze",
        help="count line crossings and zone visits in a tracks file",
        description="Replay a JSON Lines tracks file (from trackcast track --jsonl) through the "
        "lines and zones of a camera in a config file; print the counts, write the events.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("tracks", type=Path, help="tracks file written by trackcast track --jsonl")
    parser.add_argument("--config", type=Path, required=True, help="YAML config with the geometry")
    parser.add_argument(
        "--camera", metavar="ID", help="camera whose geometry to use (default: the only one)"
    )
    parser.add_argument(
        "--fps", type=float, help="frame rate: time = frame / fps instead of the recorded pts"
    )
    parser.add_argument("--events-out", type=Path, metavar="PATH", help="events as JSON Lines")
    parser.add_argument(
        "--track-events", action="store_true", help="also emit track.started and track.ended"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cli.replay import Tally, build_analysers, pick_camera, read_tracks, replay
    from config import load_config
    from outputs.errors import open_for_writing

    if args.fps is not None and args.fps <= 0:
        raise ValueError(f"--fps must be positive, got {args.fps}")
    config = load_config(args.config)
    camera = pick_camera(config.cameras, args.camera, source=str(args.config))
    lost_timeout_s = config.tracker_for(camera).lost_timeout_s
    out = open_for_writing(args.events_out) if args.events_out else None
    tally = Tally(out, args.events_out)
    try:
        analysers = build_analysers(camera, tally, lost_timeout_s, args.track_events)
        need_size = any(r.coordinates == "normalized" for r in (*camera.lines, *camera.zones))
        tracks = read_tracks(args.tracks, camera.id, args.fps, need_size=need_size)
        frames = replay(tracks, analysers)
    finally:
        tally.close()
    print(f"{args.tracks}: {frames} frames replayed for camera {camera.id}")
    for line in tally.report(camera):
        print(line)
    if args.events_out:
        print(f"wrote {args.events_out} ({tally.events} events)")
    return 0

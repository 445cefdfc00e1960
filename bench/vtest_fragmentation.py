"""Track fragmentation on real footage (vtest.avi), where there is no ground truth.

The bundled ``person-yolov8s`` detects people once per frame at imgsz 320 (fast on a CPU); every
tracker then runs on the same detections, at full rate and on every 2nd and 5th frame (as
``--stride`` does). Reported per tracker and rate:

* tracked boxes per analysed frame (coverage; a tracker that drops people looks unfragmented);
* track ids per minute (people in vtest walk through in ~10-30 s, so a few dozen per minute);
* track length in seconds: median, 90th percentile, and the share of tracks under 1 s;
* re-found gaps: a track missing from the output for some frames and then continuing (median gap);
* hand-overs per minute: a track ends and a new id starts within 2 s, within one box height of
  where the old one was last seen: most likely the same person under a new id.

    .venv/bin/python -m bench.vtest_fragmentation
    .venv/bin/python -m bench.vtest_fragmentation --imgsz 640 --previous 45ae9df

``--previous REV`` adds trackcast's tracker as it was at git revision ``REV`` (its Kalman filter
with it), on the same detections, to compare releases.

What this can show: relative fragmentation between trackers on identical detections, and how it
grows at lower detection rates. What it cannot show: accuracy. Fewer ids can also mean merged
people (an id jumping between two walkers counts as one long track), and hand-overs can be two
people passing close. Use ``bench.tracker_quality`` (synthetic ground truth) or ``trackcast eval``
on labelled footage for HOTA/IDF1; read this as a sanity check that the synthetic ranking holds
on real video. At imgsz 320 the detector finds only the larger people (about 1.8 tracked per
frame, against 7.9 at 640 in ``vtest_ids``); ``--imgsz 640`` covers the crowd, about 4x slower.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import supervision as sv

from detectors import DetectorOptions, load_detector
from detectors.bundled import PERSON_YOLOV8S
from tracking import TRACKER_NAMES, TrackerName, TrackerOptions, create_tracker
from tracking.base import Image, Tracker

ROOT = Path(__file__).resolve().parent.parent
HANDOVER_S = 2.0


@dataclass(frozen=True)
class Footage:
    fps: float
    detections: list[sv.Detections]


@dataclass(frozen=True)
class Observation:
    """Where a track id was seen: analysed-frame time in seconds, box centre and height."""

    time: float
    x: float
    y: float
    height: float


def detect(source: Path, imgsz: int, frames: int, batch: int = 8) -> Footage:
    detector = load_detector(
        DetectorOptions(
            model=PERSON_YOLOV8S.alias, imgsz=imgsz, classes=("person",), backend="torch"
        )
    )
    detections: list[sv.Detections] = []
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 25)
        pending: list[Image] = []
        for frame in container.decode(stream):
            pending.append(np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8))
            if len(pending) == batch:
                detections += detector.detect(pending)
                pending = []
            if len(detections) + len(pending) >= frames:
                break
        detections += detector.detect(pending)
    detector.close()
    return Footage(fps, detections)


def track(
    footage: Footage,
    options: TrackerOptions,
    stride: int,
    make: Callable[[TrackerOptions], Tracker] = create_tracker,
) -> dict[int, list[Observation]]:
    """Each track id's observations when tracking every ``stride``-th frame."""
    tracker = make(options)
    tracks: dict[int, list[Observation]] = {}
    for index in range(0, len(footage.detections), stride):
        tracked = tracker.update(footage.detections[index])
        assert tracked.tracker_id is not None
        for (x1, y1, x2, y2), track_id in zip(tracked.xyxy, tracked.tracker_id, strict=True):
            seen = Observation(index / footage.fps, (x1 + x2) / 2, (y1 + y2) / 2, y2 - y1)
            tracks.setdefault(int(track_id), []).append(seen)
    return tracks


def proxies(tracks: dict[int, list[Observation]], seconds: float, step: float) -> dict[str, float]:
    """Fragmentation proxies of one run; ``step`` is the time between analysed frames."""
    lengths = [obs[-1].time - obs[0].time + step for obs in tracks.values()]
    gaps = [
        later.time - earlier.time - step
        for obs in tracks.values()
        for earlier, later in itertools.pairwise(obs)
        if later.time - earlier.time > step * 1.5
    ]
    starts = [obs[0] for obs in tracks.values()]
    handovers = 0
    for obs in tracks.values():
        end = obs[-1]
        handovers += any(
            0 < start.time - end.time <= HANDOVER_S
            and np.hypot(start.x - end.x, start.y - end.y) < end.height
            for start in starts
        )
    boxes = sum(len(obs) for obs in tracks.values())
    return {
        "boxes_per_frame": boxes / (seconds / step),
        "ids_per_minute": len(tracks) / seconds * 60,
        "median_length_s": statistics.median(lengths) if lengths else 0.0,
        "p90_length_s": float(np.percentile(lengths, 90)) if lengths else 0.0,
        "short_share": float(np.mean(np.array(lengths) < 1.0)) if lengths else 0.0,
        "refound_gaps": float(len(gaps)),
        "median_gap_s": statistics.median(gaps) if gaps else 0.0,
        "handovers_per_minute": handovers / seconds * 60,
    }


def tracker_at(revision: str) -> Callable[[TrackerOptions], Tracker]:
    """trackcast's tracker as it was at git ``revision``, with the Kalman filter of then."""
    loaded: dict[str, types.ModuleType] = {}
    for name in ("kalman", "trackcast_tracker"):
        path = f"tracking/{name}.py"
        shown = subprocess.run(
            ["git", "show", f"{revision}:{path}"], cwd=ROOT, capture_output=True, text=True
        )
        if shown.returncode != 0:
            raise SystemExit(f"--previous {revision}: {shown.stderr.strip()}")
        module = types.ModuleType(f"trackcast_at_{revision}_{name}")
        source = shown.stdout
        if "kalman" in loaded:
            source = source.replace("from tracking.kalman ", f"from {loaded['kalman'].__name__} ")
        sys.modules[module.__name__] = module  # dataclasses look their module up
        exec(compile(source, f"{revision}:{path}", "exec"), module.__dict__)
        loaded[name] = module
    made: Callable[[TrackerOptions], Tracker] = loaded["trackcast_tracker"].TrackcastTracker
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "vtest.avi")
    parser.add_argument("--frames", type=int, default=795)
    parser.add_argument("--imgsz", type=int, default=320)
    parser.add_argument("--strides", type=int, nargs="+", default=[1, 2, 5])
    parser.add_argument("--previous", metavar="REV", help="also trackcast's tracker at REV")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "vtest_fragmentation.json"
    )
    args = parser.parse_args()
    trackers: list[tuple[str, TrackerName, Callable[[TrackerOptions], Tracker]]] = [
        (name, name, create_tracker) for name in TRACKER_NAMES
    ]
    if args.previous:
        trackers.append((f"trackcast@{args.previous}", "trackcast", tracker_at(args.previous)))
    footage = detect(args.source, args.imgsz, args.frames)
    seconds = len(footage.detections) / footage.fps
    rows = []
    for stride in args.strides:
        for label, name, make in trackers:
            # vtest's camera is fixed: BoT-SORT's motion compensation would only add noise.
            options = TrackerOptions(name=name, frame_rate=footage.fps / stride, gmc_method="none")
            result = proxies(track(footage, options, stride, make), seconds, stride / footage.fps)
            rows.append({"tracker": label, "stride": stride, **result})
    print(
        "| stride | tracker | boxes/frame | ids/min | median length s | p90 length s "
        "| tracks < 1 s | re-found gaps | hand-overs/min |\n|---|---|---|---|---|---|---|---|---|"
    )
    for r in rows:
        print(
            f"| {r['stride']} | {r['tracker']} | {r['boxes_per_frame']:.2f} "
            f"| {r['ids_per_minute']:.1f} | {r['median_length_s']:.1f} | {r['p90_length_s']:.1f} "
            f"| {r['short_share']:.0%} | {r['refound_gaps']:.0f} "
            f"| {r['handovers_per_minute']:.1f} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"frames": len(footage.detections), "imgsz": args.imgsz, "results": rows}
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

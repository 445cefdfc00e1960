"""Track-id fragmentation on real footage: trackcast's trackers against ultralytics' own.

vtest.avi has no ground truth, so this counts proxies on the first N frames: tracked people per
frame (coverage) and distinct track ids (fewer, at equal coverage, means fewer broken tracks).

    .venv/bin/python -m bench.vtest_ids --frames 200
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from detectors import DetectorOptions
from detectors.bundled import PERSON_YOLOV8S
from runtime import FileJob, JobOptions
from tracking import TRACKER_NAMES, TrackerOptions

ROOT = Path(__file__).resolve().parent.parent
ULTRALYTICS_TRACKERS = ("bytetrack", "botsort")
"""The trackers trackcast wraps from ultralytics; its own ``trackcast`` has no counterpart there."""


def ultralytics_counts(source: Path, frames: int, tracker: str) -> tuple[float, int]:
    from ultralytics import YOLO

    (weights,) = PERSON_YOLOV8S.locate()
    model = YOLO(str(weights))
    boxes, ids, seen = 0, set[int](), 0
    for result in model.track(str(source), stream=True, tracker=f"{tracker}.yaml", verbose=False):
        if result.boxes.id is not None:
            boxes += len(result.boxes.id)
            ids.update(int(i) for i in result.boxes.id)
        seen += 1
        if seen >= frames:
            break
    return boxes / seen, len(ids)


def trackcast_counts(source: Path, frames: int, tracker: str) -> tuple[float, int]:
    options = JobOptions(
        source=str(source),
        detector=DetectorOptions(model=PERSON_YOLOV8S.alias, backend="torch"),  # as ultralytics
        tracker=TrackerOptions(name=tracker),  # type: ignore[arg-type]
        max_frames=frames,
    )
    report = FileJob(options).run()
    return report.tracked_boxes / report.frames_analysed, report.track_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "vtest.avi")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "vtest_ids.json")
    args = parser.parse_args()
    rows = {}
    for tracker in TRACKER_NAMES:
        rows[f"trackcast {tracker}"] = trackcast_counts(args.source, args.frames, tracker)
        if tracker in ULTRALYTICS_TRACKERS:
            rows[f"ultralytics {tracker}"] = ultralytics_counts(args.source, args.frames, tracker)
    print("| tracker | tracked people per frame | distinct ids |\n|---|---|---|")
    for name, (per_frame, ids) in rows.items():
        print(f"| {name} | {per_frame:.2f} | {ids} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table = {name: {"per_frame": p, "ids": i} for name, (p, i) in rows.items()}
    args.out.write_text(json.dumps({"frames": args.frames, "results": table}, indent=2) + "\n")


if __name__ == "__main__":
    main()

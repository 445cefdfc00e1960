"""Track-id fragmentation on real footage: trackcast's trackers against ultralytics' own.

vtest.avi has no ground truth, so this counts proxies on the first N frames: tracked people per
frame (coverage) and distinct track ids (fewer, at equal coverage, means fewer broken tracks).
For the trackers trackcast wraps from ultralytics it also compares the tracks frame by frame with
ultralytics' own: frames whose track ids are the same, and the largest difference between the
boxes of a track id both report (trackcast's boxes read back from its JSON Lines output, which
rounds to 1/100 px).

    .venv/bin/python -m bench.vtest_ids --frames 200
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from detectors import DetectorOptions
from detectors.bundled import PERSON_YOLOV8S
from runtime import FileJob, JobOptions
from tracking import TRACKER_NAMES, TrackerName, TrackerOptions

ROOT = Path(__file__).resolve().parent.parent
ULTRALYTICS_TRACKERS = ("bytetrack", "botsort")
"""The trackers trackcast wraps from ultralytics; its own ``trackcast`` has no counterpart there."""


Frame = dict[int, tuple[float, float, float, float]]
"""One frame's tracks: id to box (x1, y1, x2, y2)."""


@dataclass(frozen=True)
class Run:
    frames: list[Frame]

    @property
    def per_frame(self) -> float:
        return sum(len(frame) for frame in self.frames) / len(self.frames)

    @property
    def ids(self) -> int:
        return len({i for frame in self.frames for i in frame})


@dataclass(frozen=True)
class Agreement:
    same_ids: int
    """Frames whose track ids are the same on both sides."""
    frames: int
    box_difference: float
    """Largest coordinate difference (px) between the boxes of an id both sides report."""


def ultralytics_run(source: Path, frames: int, tracker: str) -> Run:
    from ultralytics import YOLO

    (weights,) = PERSON_YOLOV8S.locate()
    model = YOLO(str(weights))
    seen: list[Frame] = []
    stream = model.track(str(source), stream=True, tracker=f"{tracker}.yaml", verbose=False)
    for result in stream:
        boxes = result.boxes
        tracks: Frame = {}
        if boxes.id is not None:
            for i, box in zip(boxes.id.tolist(), boxes.xyxy.tolist(), strict=True):
                tracks[int(i)] = tuple(box)
        seen.append(tracks)
        if len(seen) >= frames:
            break
    stream.close()
    return Run(seen)


def trackcast_run(source: Path, frames: int, tracker: str) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        jsonl = Path(folder) / "tracks.jsonl"
        options = JobOptions(
            source=str(source),
            detector=DetectorOptions(model=PERSON_YOLOV8S.alias, backend="torch"),  # as ultralytics
            tracker=TrackerOptions(name=tracker),  # type: ignore[arg-type]
            max_frames=frames,
            jsonl=jsonl,
        )
        FileJob(options).run()
        records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    return Run([{t["track_id"]: tuple(t["box"]) for t in r["tracks"]} for r in records])


def agreement(ours: Run, theirs: Run) -> Agreement:
    same, worst = 0, 0.0
    for mine, other in zip(ours.frames, theirs.frames, strict=True):
        same += mine.keys() == other.keys()
        for i in mine.keys() & other.keys():
            worst = max(worst, *(abs(a - b) for a, b in zip(mine[i], other[i], strict=True)))
    return Agreement(same, len(ours.frames), worst)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "vtest.avi")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "vtest_ids.json")
    args = parser.parse_args()
    rows: dict[str, Run] = {}
    agreements: dict[TrackerName, Agreement] = {}
    for tracker in TRACKER_NAMES:
        rows[f"trackcast {tracker}"] = trackcast_run(args.source, args.frames, tracker)
        if tracker in ULTRALYTICS_TRACKERS:
            rows[f"ultralytics {tracker}"] = ultralytics_run(args.source, args.frames, tracker)
            agreements[tracker] = agreement(
                rows[f"trackcast {tracker}"], rows[f"ultralytics {tracker}"]
            )
    print("| tracker | tracked people per frame | distinct ids |\n|---|---|---|")
    for name, run in rows.items():
        print(f"| {name} | {run.per_frame:.2f} | {run.ids} |")
    print("\n| trackcast against ultralytics | frames with the same ids | largest box difference |")
    print("|---|---|---|")
    for tracker, agreed in agreements.items():
        print(f"| {tracker} | {agreed.same_ids}/{agreed.frames} | {agreed.box_difference:.3f} px |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table = {name: {"per_frame": run.per_frame, "ids": run.ids} for name, run in rows.items()}
    agreed_table = {
        tracker: {
            "frames_with_same_ids": a.same_ids,
            "frames": a.frames,
            "largest_box_difference_px": a.box_difference,
        }
        for tracker, a in agreements.items()
    }
    result = {"frames": args.frames, "results": table, "agreement": agreed_table}
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

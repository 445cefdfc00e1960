"""Motion-gated detection against detection on every frame: same counts, a fraction of the work.

On the surveillance-like clip (``bench.surveillance_clip``: vtest.avi's walkers a quarter of the
time, the empty walkway the rest), ``trackcast track`` runs twice with the same detector: on
every frame, and with the motion gate (``--motion-gate``). Both outputs go through the demo's
line and zone (``scripts/demo.yaml``) with the analysers a live camera runs, and the events are
compared type by type; where they differ, each side's events are listed with their time. Also
reported: the share of frames the gate sent to the detector and the wall time of both runs.

    .venv/bin/python -m bench.motion_gating          # writes bench/results/motion_gating.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.detector_speed import machine_info
from bench.surveillance_clip import build_clip
from cli.replay import build_analysers, read_tracks, replay
from config import MotionConfig, load_config
from detectors import BACKENDS, PRECISIONS, DetectorOptions
from events import Event, Evidence
from runtime import FileJob, JobOptions

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Recorder:
    """An event sink that keeps each event's type, region, direction and time."""

    events: list[tuple[str, str, str, float]] = field(default_factory=list)

    def emit(self, event: Event, evidence: Evidence | None = None) -> None:
        direction = str(event.data.get("direction", ""))
        self.events.append((event.type, event.region or "", direction, round(event.time, 1)))


@dataclass
class Run:
    gated: bool
    frames: int
    detected: int
    seconds: float
    track_ids: int
    events: list[tuple[str, str, str, float]]

    @property
    def fps(self) -> float:
        return self.frames / self.seconds

    @property
    def duty_cycle(self) -> float:
        return self.detected / max(1, self.frames)

    def counts(self) -> dict[str, int]:
        kinds = Counter(_kind(event) for event in self.events)
        return dict(sorted(kinds.items()))

    def times(self, kind: str) -> list[float]:
        return [event[3] for event in self.events if _kind(event) == kind]

    def summary(self) -> dict[str, object]:
        return {**asdict(self), "fps": self.fps, "duty_cycle": self.duty_cycle,
                "counts": self.counts()}  # fmt: skip


def _kind(event: tuple[str, str, str, float]) -> str:
    return " ".join(part for part in event[:3] if part)


def run(clip: Path, out: Path, detector: DetectorOptions, gated: bool) -> Run:
    jsonl = out / ("gated.jsonl" if gated else "every.jsonl")
    options = JobOptions(
        source=str(clip),
        detector=detector,
        motion=MotionConfig() if gated else None,
        jsonl=jsonl,
    )
    started = time.perf_counter()
    report = FileJob(options).run()
    elapsed = time.perf_counter() - started
    config = load_config(ROOT / "scripts" / "demo.yaml")
    camera = config.cameras[0]
    recorder = Recorder()
    analysers = build_analysers(
        camera, recorder, config.tracker_for(camera).lost_timeout_s, track_events=True
    )
    replay(read_tracks(jsonl, camera.id, None, need_size=True), analysers)
    return Run(
        gated=gated,
        frames=report.decode.decoded,
        detected=report.frames_analysed,
        seconds=elapsed,
        track_ids=report.track_ids,
        events=recorder.events,
    )


def differences(every: Run, gated: Run) -> list[str]:
    """Event kinds whose counts differ, with each side's events of that kind and their times."""
    a, b = every.counts(), gated.counts()
    return [
        f"{kind}: every frame {a.get(kind, 0)} at {every.times(kind)} s, "
        f"gated {b.get(kind, 0)} at {gated.times(kind)} s"
        for kind in sorted(set(a) | set(b))
        if a.get(kind, 0) != b.get(kind, 0)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vtest", type=Path, default=ROOT / "data" / "vtest.avi")
    parser.add_argument("--model", default="person-yolov8s")
    parser.add_argument("--imgsz", type=int, default=640)
    parser.add_argument("--backend", choices=BACKENDS, default="auto")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto")
    parser.add_argument("--size", default="1280x720", help="clip WIDTHxHEIGHT")
    parser.add_argument("--still", type=float, default=30.0, help="empty seconds after each run")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "motion_gating.json"
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    detector = DetectorOptions(
        model=args.model, imgsz=args.imgsz, backend=args.backend, precision=args.precision
    )
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        clip = Path(scratch) / "surveillance.mp4"
        layout = build_clip(args.vtest, clip, size=(width, height), still_s=args.still)
        print(f"clip: {layout}", flush=True)
        every = run(clip, Path(scratch), detector, gated=False)
        print(f"every frame: {every.fps:.2f} fps, {every.counts()}", flush=True)
        gated = run(clip, Path(scratch), detector, gated=True)
        print(f"gated: {gated.fps:.2f} fps, duty {gated.duty_cycle:.2f}, {gated.counts()}")
    notes = differences(every, gated)
    result = {
        "clip": layout,
        "detector": {
            "model": args.model,
            "imgsz": args.imgsz,
            "backend": args.backend,
            "precision": args.precision,
        },
        "every_frame": every.summary(),
        "gated": gated.summary(),
        "speedup": gated.fps / every.fps,
        "differences": notes,
        "machine": {**machine_info(), "load_before": load},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("\n| run | frames detected | fps | events |\n|---|---|---|---|")
    for name, row in (("every frame", every), ("motion-gated", gated)):
        print(f"| {name} | {row.detected} of {row.frames} | {row.fps:.2f} | {row.counts()} |")
    print("\nidentical events" if not notes else "\n" + "\n".join(notes))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

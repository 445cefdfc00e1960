from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import supervision as sv

from detectors.base import Image
from runtime import FileJob, JobOptions
from tests.blob_detector import BrightBlobDetector
from tests.media import SQUARE, square_position


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_frame_is_tracked_in_order_with_one_id(square_clip: Path, tmp_path: Path) -> None:
    detector = BrightBlobDetector()
    options = JobOptions(source=str(square_clip), jsonl=tmp_path / "t.jsonl", batch_size=3)
    progress: list[int] = []
    report = FileJob(options, detector=detector).run(on_progress=progress.append)
    assert report.decode.decoded == 20 and report.frames_analysed == 20 and report.track_ids == 1
    assert progress == list(range(1, 21))
    assert detector.batches == [3, 3, 3, 3, 3, 3, 2]
    records = _records(tmp_path / "t.jsonl")
    assert [r["frame"] for r in records] == list(range(20))
    for record in records:
        (track,) = record["tracks"]
        x, y = square_position(record["frame"])
        assert track["track_id"] == 1
        assert track["box"] == pytest.approx([x, y, x + SQUARE, y + SQUARE], abs=2)


def test_stride_detects_every_nth_frame_and_predicts_the_others(
    square_clip: Path, tmp_path: Path
) -> None:
    detector = BrightBlobDetector()
    options = JobOptions(
        source=str(square_clip), stride=3, jsonl=tmp_path / "t.jsonl", mot=tmp_path / "t.txt"
    )
    report = FileJob(options, detector=detector).run()
    assert detector.frames_seen == 7 and report.frames_analysed == 7
    records = _records(tmp_path / "t.jsonl")
    assert [r["frame"] for r in records] == list(range(20))
    assert [r["frame"] for r in records if r["analysed"]] == [0, 3, 6, 9, 12, 15, 18]
    assert all(len(r["tracks"]) == 1 for r in records)
    mot_frames = [int(line.split(",")[0]) for line in (tmp_path / "t.txt").read_text().split()]
    assert mot_frames == list(range(1, 21))


def test_max_frames_stops_early_without_reporting_skips(square_clip: Path) -> None:
    report = FileJob(
        JobOptions(source=str(square_clip), max_frames=5), detector=BrightBlobDetector()
    ).run()
    assert report.decode.decoded == 5 and report.decode.skipped == 0


class _FailingDetector(BrightBlobDetector):
    def detect(self, frames: Sequence[Image]) -> list[sv.Detections]:
        if self.frames_seen >= 8:
            raise RuntimeError("detector crashed")
        return super().detect(frames)


def test_a_failing_stage_stops_the_job_and_joins_every_thread(
    square_clip: Path, tmp_path: Path
) -> None:
    before = set(threading.enumerate())
    job = FileJob(
        JobOptions(source=str(square_clip), video=tmp_path / "v.mp4", batch_size=2),
        detector=_FailingDetector(),
    )
    with pytest.raises(RuntimeError, match="detector crashed"):
        job.run()
    assert {t for t in threading.enumerate() if t.name.startswith("trackcast")} - before == set()


@pytest.mark.parametrize("output", ["jsonl", "mot", "video"])
def test_a_full_disk_is_an_output_error_naming_the_file(square_clip: Path, output: str) -> None:
    """/dev/full accepts the open and fails every write with ENOSPC, like a disk that filled up."""
    from outputs import OutputError

    options = JobOptions(source=str(square_clip), **{output: Path("/dev/full")})  # type: ignore[arg-type]
    with pytest.raises(OutputError, match="cannot write /dev/full: No space left on device"):
        FileJob(options, detector=BrightBlobDetector()).run()


@pytest.mark.parametrize(("field", "value"), [("stride", 0), ("batch_size", 0), ("max_frames", 0)])
def test_options_reject_non_positive_counts(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field.replace("_", " ").split()[0]):
        JobOptions(source="x.mp4", **{field: value})  # type: ignore[arg-type]

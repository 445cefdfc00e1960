"""A local batch: which files a folder gives, how outputs are named, and that one bad file is
retried, reported and never stops the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detectors.base import Image
from runtime import JobOptions
from runtime.batch import (
    SUMMARY_NAME,
    BatchCounts,
    BatchFile,
    FileStatus,
    Output,
    expand_inputs,
    plan_batch,
    run_file,
    run_local,
)
from tests.batch_media import CLIPS, CORRUPT, FRAMES, read_output, track_alone, write_batch_folder
from tests.blob_detector import BrightBlobDetector


def test_a_folder_gives_its_videos_sorted_and_not_its_subfolders(tmp_path: Path) -> None:
    for name in ("b.mp4", "a.MKV", "notes.txt", "c.avi"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.mp4").write_text("")
    folder = [str(tmp_path / n) for n in ("a.MKV", "b.mp4", "c.avi")]
    assert expand_inputs(["x.mp4", str(tmp_path), "rtsp://cam/1"]) == [
        "x.mp4",
        *folder,
        "rtsp://cam/1",
    ]


def test_a_folder_without_videos_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(ValueError, match="holds no video file"):
        expand_inputs([str(tmp_path)])


def test_outputs_are_named_after_inputs_and_a_second_stem_gets_a_number(tmp_path: Path) -> None:
    sources = ["a/clip.mp4", "b/clip.mp4", "clip.avi", "other.mp4", "rtsp://cam.local/live/"]
    files = plan_batch(sources, tmp_path, [Output.MOT, Output.JSONL], JobOptions(source="x"))
    assert [f.name for f in files] == ["clip", "clip-2", "clip-3", "other", "live"]
    assert files[1].options.mot == tmp_path / "clip-2.mot.txt"
    assert files[1].options.jsonl == tmp_path / "clip-2.jsonl"
    assert files[1].options.video is None
    assert files[1].options.source == str(Path("b/clip.mp4").resolve())  # for other cwds
    assert files[4].options.source == "rtsp://cam.local/live/"


def _batch(tmp_path: Path, outputs: list[Output]) -> list[BatchFile]:
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_batch_folder(inputs)
    return plan_batch(expand_inputs([str(inputs)]), tmp_path / "out", outputs, JobOptions("x"))


def test_a_local_batch_equals_single_runs_and_reports_the_corrupt_file(tmp_path: Path) -> None:
    files = _batch(tmp_path, list(Output))
    (tmp_path / "out").mkdir()
    seen: list[BatchCounts] = []
    report = run_local(
        files, retries=2, detector_factory=BrightBlobDetector, on_progress=seen.append
    )
    [failed] = report.failed
    assert (Path(failed.source).name, failed.attempts) == (CORRUPT, 3)
    assert "is not a video FFmpeg can read" in (failed.error or "")
    done = [f for f in report.files if f.status is FileStatus.DONE]
    assert len(done) == CLIPS and all(f.attempts == 1 and f.frames == FRAMES for f in done)
    for outcome in done:
        alone = track_alone(Path(outcome.source), tmp_path / "alone" / outcome.name)
        assert [read_output(Path(p)) for p in outcome.outputs] == [
            alone[s] for s in (".mp4", ".mot.txt", ".jsonl")
        ]
    assert seen[-1] == BatchCounts(CLIPS + 1, done=CLIPS, failed=1, frames=CLIPS * FRAMES)
    assert max(c.frames for c in seen if c.running) > 0  # frames counted while a file runs
    report.write(tmp_path / "out" / SUMMARY_NAME)
    summary = json.loads((tmp_path / "out" / SUMMARY_NAME).read_text())
    assert [f["status"] for f in summary["files"]] == ["done"] * CLIPS + ["failed"]


class _FailsAtFrame(BrightBlobDetector):
    def detect(self, frames: list[Image]) -> list:  # type: ignore[override, type-arg]
        if self.frames_seen >= 10:
            raise RuntimeError("detector lost")
        return super().detect(frames)


def test_a_file_that_fails_midway_leaves_no_output_and_no_scratch(tmp_path: Path) -> None:
    [first, *_] = _batch(tmp_path, [Output.MOT, Output.JSONL])
    (tmp_path / "out").mkdir()
    with pytest.raises(RuntimeError, match="detector lost"):
        run_file(first, detector=_FailsAtFrame())
    assert list((tmp_path / "out").iterdir()) == []
    run_file(first, detector=BrightBlobDetector())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "clip00.jsonl",
        "clip00.mot.txt",
    ]

"""``trackcast track FOLDER --cluster ADDRESS``: ten clips and a corrupt file on a head and two
workers, through the command's own argument parsing and batch code, with the blob detector
in place of a model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cli.main import build_parser
from cli.track_batch import EXIT_FILES_FAILED, run_batch
from cluster.batch import pin_threads
from detectors import DetectorOptions
from detectors.base import Image
from runtime import JobOptions
from runtime.batch import SUMMARY_NAME, BatchFile
from tests.batch_media import (
    CLIPS,
    CORRUPT,
    FRAMES,
    read_output,
    track_alone,
    write_batch_folder,
)
from tests.blob_detector import BrightBlobDetector
from tests.servers.ray_cluster import local_ray_cluster

RETRIES = 1


class CrashOnceDetector(BrightBlobDetector):
    """Kills its Ray worker process at the first frame of the whole batch (``marker`` says it
    happened): a worker that dies mid-file, as on an out-of-memory kill."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker

    def detect(self, frames: list[Image]) -> Any:  # type: ignore[override]
        try:
            self.marker.open("x").close()
        except FileExistsError:
            return super().detect(frames)
        os._exit(1)


class CrashOnceFactory:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __call__(self) -> CrashOnceDetector:
        return CrashOnceDetector(self.marker)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path, Any]:
    root = tmp_path_factory.mktemp("batch")
    inputs = root / "in"
    inputs.mkdir()
    write_batch_folder(inputs)
    out = root / "out"
    with local_ray_cluster(workers=2) as cluster:
        argv = [
            "track", str(inputs), "--cluster", cluster.address, "--out", str(out),
            "--outputs", "mot,jsonl,video", "--retries", str(RETRIES), "--no-progress",
        ]  # fmt: skip
        code = run_batch(
            build_parser().parse_args(argv), detector_factory=CrashOnceFactory(root / "crashed")
        )
        nodes = {
            "head": cluster.node_id(cluster.cluster.head_node),
            "workers": {cluster.node_id(w) for w in cluster.workers},
        }
    summary = json.loads((out / SUMMARY_NAME).read_text())
    return code, summary, out, nodes


def test_every_clip_equals_a_single_process_run(
    batch: tuple[int, dict[str, Any], Path, Any], tmp_path: Path
) -> None:
    """MOT and JSONL byte for byte; the video frame for frame (see ``read_output``)."""
    _, summary, out, _ = batch
    done = [f for f in summary["files"] if f["status"] == "done"]
    assert len(done) == CLIPS
    for entry in done:
        alone = track_alone(Path(entry["source"]), tmp_path / entry["name"])
        for suffix, expected in alone.items():
            assert read_output(out / f"{entry['name']}{suffix}") == expected, entry
        assert entry["frames"] == FRAMES and entry["skipped"] == 0


def test_tasks_ran_on_both_workers(batch: tuple[int, dict[str, Any], Path, Any]) -> None:
    _, summary, _, nodes = batch
    ran_on = {f["node"] for f in summary["files"] if f["status"] == "done"}
    assert nodes["workers"] <= ran_on <= nodes["workers"] | {nodes["head"]}


def test_a_worker_that_died_mid_file_is_retried_and_leaves_no_partial_output(
    batch: tuple[int, dict[str, Any], Path, Any],
) -> None:
    _, summary, out, _ = batch
    attempts = sorted(f["attempts"] for f in summary["files"] if f["status"] == "done")
    assert attempts == [1] * (CLIPS - 1) + [2]
    names = sorted(p.name for p in out.iterdir())
    expected = {f"clip{i:02d}{s}" for i in range(CLIPS) for s in (".mot.txt", ".jsonl", ".mp4")}
    assert names == sorted(expected | {SUMMARY_NAME})  # no scratch folder, no corrupt.* output


def test_the_corrupt_file_is_retried_then_reported_and_the_exit_status_says_so(
    batch: tuple[int, dict[str, Any], Path, Any],
) -> None:
    code, summary, _, _ = batch
    assert code == EXIT_FILES_FAILED
    [failed] = [f for f in summary["files"] if f["status"] == "failed"]
    assert Path(failed["source"]).name == CORRUPT
    assert failed["attempts"] == 1 + RETRIES
    assert "is not a video FFmpeg can read" in failed["error"]
    assert failed["outputs"] == [] and failed["frames"] == 0


def test_each_task_runs_its_detector_on_its_cpus_unless_threads_says_otherwise() -> None:
    files = [
        BatchFile(0, "a", JobOptions("a.mp4")),
        BatchFile(1, "b", JobOptions("b.mp4", detector=DetectorOptions(threads=3))),
    ]
    assert [f.options.detector.threads for f in pin_threads(files, 2)] == [2, 3]
    assert [f.options.detector.threads for f in pin_threads(files, 0.5)] == [1, 3]

"""``trackcast track`` over several files and folders: a real model through the real command,
and the one-line refusals of arguments a batch cannot take."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.main import main
from runtime.batch import SUMMARY_NAME
from tests.conftest import run_cli


@pytest.mark.model  # tests/tiers.py misses a model name inside a list display (a tuple constant)
def test_a_folder_tracks_each_file_as_a_single_run_and_reports_the_bad_one(
    vtest: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.avi", "b.avi"):
        shutil.copy(vtest, folder / name)
    (folder / "bad.mp4").write_text("not a video\n")
    out = tmp_path / "out"
    model = ["--model", "coco-yolov3-tiny", "--imgsz", "320", "--max-frames", "15", "--no-progress"]
    result = run_cli(["track", str(folder), "--out", str(out), "--retries", "1", *model])
    assert result.returncode == 1, result.stderr
    assert "2 of 3 files tracked, 30 frames" in result.stdout
    assert f"FAILED {folder / 'bad.mp4'} after 2 attempt(s): " in result.stdout
    assert result.stderr.strip().endswith(f"1 file(s) failed; see {out / SUMMARY_NAME}")
    single = tmp_path / "single.mot.txt"
    alone = run_cli(["track", str(folder / "a.avi"), "--mot", str(single), *model])
    assert alone.returncode == 0, alone.stderr
    assert (out / "a.mot.txt").read_bytes() == single.read_bytes() != b""
    summary = json.loads((out / SUMMARY_NAME).read_text())
    assert [(Path(f["source"]).name, f["status"]) for f in summary["files"]] == [
        ("a.avi", "done"), ("b.avi", "done"), ("bad.mp4", "failed"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["a.mp4", "b.mp4", "--out", "o", "--video", "v.mp4"], "give --out DIR and --outputs"),
        (["a.mp4", "b.mp4"], "need --out DIR"),
        (["a.mp4", "--out", "o", "--outputs", "mot,gif"], "unknown output 'gif'"),
        (["a.mp4", "--out", "o", "--retries", "-1"], "--retries must be 0 or more"),
    ],
)
def test_arguments_a_batch_refuses_exit_2_with_one_line(
    args: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["track", *(str(tmp_path / a) if a.endswith(".mp4") else a for a in args)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("trackcast: error: ") and expected in line


def test_a_cluster_that_does_not_answer_is_one_line_not_a_hang(tmp_path: Path) -> None:
    clip = tmp_path / "a.mp4"
    result = run_cli(["track", str(clip), "--out", str(tmp_path), "--cluster", "127.0.0.1:9"])
    assert result.returncode == 2
    assert result.stderr == (
        "trackcast: error: no Ray cluster answers at 127.0.0.1:9 (Connection refused); start one"
        " with `ray start --head`, or give its GCS address host:port\n"
    )

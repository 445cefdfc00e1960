"""``trackcast export`` and the first-use export of ``trackcast track``, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli


@pytest.fixture
def fresh_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty model cache for the trackcast subprocesses of one test."""
    cache = tmp_path / "models"
    monkeypatch.setenv("TRACKCAST_CACHE_DIR", str(cache))
    return cache


def test_export_builds_a_float_model_for_a_sample_size(fresh_cache: Path, vtest: Path) -> None:
    result = run_cli(
        ["export", "--model", "person-yolov8s", "--precision", "fp32", "--sample", str(vtest)]
    )
    assert result.returncode == 0, result.stderr
    assert "exporting best.pt for openvino (first use" in result.stderr
    assert result.stdout.strip() == "ready: openvino fp32 for 768x576 frames"
    assert list(fresh_cache.glob("best-*/openvino-fp32/manifest.json"))
    again = run_cli(["export", "--model", "person-yolov8s", "--precision", "fp32"])
    assert again.returncode == 0 and "exporting" not in again.stderr  # cached


def test_int8_export_without_footage_says_what_to_give(fresh_cache: Path) -> None:
    result = run_cli(["export", "--model", "person-yolov8s"])
    assert result.returncode == 2
    assert "needs --calibrate PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_track_on_onnxruntime_exports_on_first_use_and_finds_people(
    fresh_cache: Path, vtest: Path, tmp_path: Path
) -> None:
    jsonl = tmp_path / "t.jsonl"
    result = run_cli(
        [
            "track", str(vtest), "--model", "person-yolov8s", "--backend", "onnxruntime",
            "--max-frames", "20", "--jsonl", str(jsonl), "--no-progress",
        ]
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "trackcast: exporting best.pt for onnxruntime" in result.stderr
    assert "20 frames decoded" in result.stdout
    assert len(jsonl.read_text().splitlines()) == 20


def test_a_precision_the_backend_cannot_run_is_one_clear_line(vtest: Path) -> None:
    result = run_cli(
        ["track", str(vtest), "--model", "person-yolov8s", "--backend", "torch",
         "--precision", "int8", "--max-frames", "1", "--no-progress"]
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "trackcast: error: the torch backend runs fp32, or fp16 on CUDA, not int8; "
        "for int8 on the CPU use --backend openvino"
    ]

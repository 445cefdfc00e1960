"""ModelPolicy: which detector.model values a service may load, against the real file system."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import ModelNotAllowedError, ModelPolicy


@pytest.mark.parametrize(
    "spec",
    ["person-yolov8s", "coco-yolov3-tiny", "yolo11n.pt", "yolov8s.pt", "yolo11n.yaml",
     "rtdetr-l.pt", "FastSAM-s.pt", "sam2.1_b.pt", "yoloe-11s-seg.pt"],
)  # fmt: skip
def test_aliases_and_ultralytics_names_need_no_root(spec: str) -> None:
    ModelPolicy().check(spec)


@pytest.fixture
def models(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    root.mkdir()
    (root / "mine.pt").write_bytes(b"")
    (tmp_path / "elsewhere.pt").write_bytes(b"")
    return root


def test_files_under_a_model_root_are_allowed(models: Path) -> None:
    policy = ModelPolicy(roots=(str(models),))
    policy.check(str(models / "mine.pt"))
    policy.check(str(models / "later.onnx"))


@pytest.mark.parametrize(
    "spec",
    ["{tmp}/elsewhere.pt", "{tmp}/missing.pt", "/etc/passwd", "{tmp}/models/../elsewhere.pt",
     "./yolo11n.pt", "../yolo11n.pt", "sub/yolo11n.pt", "evil.pt", "yolo11n.pt/../../x.pt"],
)  # fmt: skip
def test_anything_else_is_refused_with_one_message_whether_or_not_it_exists(
    models: Path, spec: str
) -> None:
    with pytest.raises(ModelNotAllowedError) as caught:
        ModelPolicy(roots=(str(models),)).check(spec.format(tmp=models.parent))
    message = str(caught.value)
    assert "sources.model_roots" in message
    assert message.replace(spec.format(tmp=models.parent), "SPEC") == (
        "detector.model 'SPEC' is not allowed: use an offline alias (person-yolov8s, "
        "coco-yolov3-tiny), an ultralytics model name such as yolo11n.pt, or a file under "
        "sources.model_roots (add its directory there in the config)"
    )


def test_a_symlink_out_of_a_model_root_is_refused(models: Path) -> None:
    (models / "escape.pt").symlink_to(models.parent / "elsewhere.pt")
    with pytest.raises(ModelNotAllowedError):
        ModelPolicy(roots=(str(models),)).check(str(models / "escape.pt"))

"""``trackcast serve``'s command line over its config file (the README example runs ``--model``
for real: tests/cli/test_readme_serve.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import build_parser
from cli.serve import serve_config
from config import ConfigError


def test_model_replaces_the_default_detector_model_only(tmp_path: Path) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text(
        "detector: {model: old.pt, imgsz: 320, conf: 0.3}\n"
        "cameras:\n"
        "  - {id: a, url: a.mp4}\n"
        "  - {id: b, url: b.mp4, detector: {model: own.pt}}\n"
    )
    args = build_parser().parse_args(["serve", "--config", str(config), "--model", "yolo11s.pt"])
    served = serve_config(args)
    assert (served.detector.model, served.detector.imgsz, served.detector.conf) == (
        "yolo11s.pt",
        320,
        0.3,
    )
    a, b = served.cameras
    assert served.detector_for(a).model == "yolo11s.pt"  # and every camera posted without one
    assert served.detector_for(b).model == "own.pt"


def test_without_a_config_the_model_is_the_default_detector() -> None:
    served = serve_config(build_parser().parse_args(["serve", "--model", "yolo11s.pt", "--open"]))
    assert served.detector.model == "yolo11s.pt" and served.auth.open


def test_an_invalid_model_name_is_a_config_error_naming_the_option() -> None:
    with pytest.raises(ConfigError, match=r"^--model: model: String should have at least 1"):
        serve_config(build_parser().parse_args(["serve", "--model", ""]))

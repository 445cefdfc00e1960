"""``trackcast config check``, ``schema`` and ``reference`` as a user runs them (real models)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from config import AppConfig
from config.reference import render
from tests.conftest import ROOT, run_cli

WALKWAY = """
detector: {model: person-yolov8s}
cameras:
  - id: walkway
    url: data/vtest.avi
    zones:
      - {name: door, polygon: [[0, 0], [100, 0], [100, 100]], classes: [person]}
"""


def test_a_valid_config_names_its_models_classes(tmp_path: Path) -> None:
    config = tmp_path / "walkway.yaml"
    config.write_text(WALKWAY)
    result = run_cli(["config", "check", str(config)])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{config}: valid, 1 camera(s); models: person-yolov8s (person)\n"


def test_a_class_no_model_reports_is_one_line_listing_the_model_classes(tmp_path: Path) -> None:
    config = tmp_path / "street.yaml"
    config.write_text(
        WALKWAY.replace("classes: [person]", "classes: [car]")
        + "  - id: street\n    url: data/street.mp4\n"
        "    detector: {model: coco-yolov3-tiny, classes: [person, motorcycle]}\n"
    )
    result = run_cli(["config", "check", str(config)])
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"trackcast: error: {config}: cameras.0.zones.0.classes: 'car' never reported by the "
        "detector (person-yolov8s), so door would never count it (its classes: person; "
    )
    assert "cameras.1.detector.classes: 'motorcycle' not reported by coco-yolov3-tiny " in line
    assert "(its classes: person, bicycle, car, motorbike, aeroplane, bus," in line


def test_a_missing_environment_variable_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "secret.yaml"
    config.write_text("cameras:\n  - id: gate\n    url: rtsp://u:${TRACKCAST_NO_SUCH_VAR}@h/x\n")
    result = run_cli(["config", "check", str(config)], timeout=60)
    assert result.returncode == 2
    assert result.stderr == (
        f"trackcast: error: {config}: cameras.0.url: environment variable TRACKCAST_NO_SUCH_VAR "
        "is not set (set it, or write ${TRACKCAST_NO_SUCH_VAR:-default})\n"
    )


def test_schema_is_the_config_json_schema() -> None:
    result = run_cli(["config", "schema"], timeout=60)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema == AppConfig.model_json_schema()
    assert schema["additionalProperties"] is False  # editors flag unknown keys too
    assert set(schema["properties"]) == set(AppConfig.model_fields)


def test_reference_prints_docs_config_md() -> None:
    result = run_cli(["config", "reference"], timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == render() == (ROOT / "docs" / "config.md").read_text(encoding="utf-8")


def test_the_readme_cameras_yaml_checks_clean(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n# cameras.yaml\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    config = tmp_path / "cameras.yaml"
    config.write_text(block.group(1))
    result = run_cli(["config", "check", str(config)])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{config}: valid, 2 camera(s); models: person-yolov8s (person)\n"


def test_the_readme_filters_example_checks_clean_and_a_misspelt_filter_does_not(
    tmp_path: Path,
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(filters:.*?)```", readme, re.DOTALL)
    assert block is not None
    config = tmp_path / "filters.yaml"
    config.write_text("detector: {model: coco-yolov3-tiny}\n" + block.group(1))
    result = run_cli(["config", "check", str(config)])
    assert result.returncode == 0, result.stderr
    config.write_text(config.read_text().replace("car: {min_area", "cars: {min_area"))
    result = run_cli(["config", "check", str(config)])
    assert result.returncode == 2
    assert "cameras.0.filters.cars: 'cars' never reported by the detector" in result.stderr
    assert "(its classes: person, bicycle, car, " in result.stderr

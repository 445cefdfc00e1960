"""Class names of a config against what its models report (the model loading is the CLI's:
tests/cli/test_config_tools.py runs it with the real models)."""

from __future__ import annotations

from collections.abc import Mapping

from config import DetectorConfig, parse_config
from config.class_check import check_classes

MODELS = {
    "people": {0: "person"},
    "street": {0: "person", 1: "bicycle", 2: "car"},
}


def classes_of(detector: DetectorConfig) -> Mapping[int, str]:
    if detector.model not in MODELS:
        raise ValueError(f"unknown model {detector.model!r}")
    return MODELS[detector.model]


ZONE = "{name: door, polygon: [[0, 0], [10, 0], [10, 10]]"


def test_a_config_whose_classes_the_models_report_has_no_problems() -> None:
    config = parse_config(
        "detector: {model: street, classes: [Person, car]}\n"
        f"cameras:\n  - id: a\n    url: x.mp4\n    zones: [{ZONE}, classes: [car]}}]\n"
    )
    result = check_classes(config, classes_of)
    assert result.problems == []
    assert result.models == {"street": ("person", "bicycle", "car")}


def test_unknown_and_filtered_out_classes_are_named_with_the_model_classes() -> None:
    config = parse_config(
        "detector: {model: people}\n"
        "cameras:\n"
        f"  - id: a\n    url: x.mp4\n    zones: [{ZONE}, classes: [Person, car]}}]\n"
        "  - id: b\n    url: y.mp4\n    detector: {model: street, classes: [person, truck]}\n"
        "    lines: [{name: l, points: [[0, 0], [9, 9]], classes: [car]}]\n"
    )
    assert check_classes(config, classes_of).problems == [
        "cameras.0.zones.0.classes: 'Person', 'car' never reported by the detector "
        "(people), so door would never count them (its classes: person; names are "
        "case-sensitive)",
        "cameras.1.detector.classes: 'truck' not reported by street "
        "(its classes: person, bicycle, car)",
        "cameras.1.lines.0.classes: 'car' never reported by the detector (street), so l would "
        "never count it (the detector keeps: person; names are case-sensitive)",
    ]


def test_a_model_that_does_not_load_is_reported_once_at_its_key() -> None:
    config = parse_config(
        "cameras:\n  - {id: a, url: x.mp4, detector: {model: nope.pt}}\n"
        "  - {id: b, url: y.mp4, detector: {model: nope.pt, conf: 0.5}}\n"
    )
    assert check_classes(config, classes_of).problems == [
        "cameras.0.detector.model: unknown model 'nope.pt'"
    ]


def test_the_default_detector_is_checked_only_when_set_or_used() -> None:
    unused = parse_config("cameras:\n  - {id: a, url: x.mp4, detector: {model: people}}\n")
    assert check_classes(unused, classes_of).problems == []  # yolo11n.pt was never asked for
    assert check_classes(parse_config("detector: {model: other}\n"), classes_of).problems == [
        "detector.model: unknown model 'other'"
    ]


def test_filters_and_ignore_masks_name_classes_the_detector_reports() -> None:
    config = parse_config(
        "detector: {model: street}\n"
        "filters: {persn: {min_area: 0.01}, car: {min_score: 0.5}}\n"
        "cameras:\n"
        "  - id: a\n    url: x.mp4\n"
        "    ignore: [{polygon: [[0, 0], [9, 0], [9, 9]], classes: [Car]}]\n"
        "  - id: b\n    url: y.mp4\n"  # uses the service's filters too: reported once
        "  - id: c\n    url: z.mp4\n    filters: {truck: {max_area: 0.5}}\n"
    )
    assert check_classes(config, classes_of).problems == [
        "cameras.0.ignore.0.classes: 'Car' never reported by the detector (street), so the mask "
        "would never drop it (its classes: person, bicycle, car; names are case-sensitive)",
        "filters.persn: 'persn' never reported by the detector (street), so this filter would "
        "never apply (its classes: person, bicycle, car; names are case-sensitive)",
        "cameras.2.filters.truck: 'truck' never reported by the detector (street), so this "
        "filter would never apply (its classes: person, bicycle, car; names are case-sensitive)",
    ]


def test_a_misspelt_privacy_class_is_a_problem_it_would_show_people_unmasked() -> None:
    config = parse_config(
        "detector: {model: street}\n"
        "cameras:\n  - id: a\n    url: x.mp4\n    privacy: {classes: [Person, car]}\n"
    )
    assert check_classes(config, classes_of).problems == [
        "cameras.0.privacy.classes: 'Person' never reported by the detector (street), so they "
        "would be shown unmasked (its classes: person, bicycle, car; names are case-sensitive)"
    ]


def test_a_start_checks_only_enabled_cameras_that_name_a_class() -> None:
    config = parse_config(
        "cameras:\n"
        "  - id: plain\n    url: a.mp4\n    detector: {model: missing}\n"
        "  - id: spare\n    url: b.mp4\n    enabled: false\n"
        f"    zones: [{ZONE}, classes: [Car]}}]\n"
        f"  - id: door\n    url: c.mp4\n    detector: {{model: street}}\n"
        f"    zones: [{ZONE}, classes: [Car]}}]\n"
    )
    started = check_classes(config, classes_of, enabled_only=True)
    # "plain" names no class: its model is not loaded here (it loads, or fails, as it starts)
    assert started.models == {"street": ("person", "bicycle", "car")}
    assert started.problems == [
        "cameras.2.zones.0.classes: 'Car' never reported by the detector (street), so door "
        "would never count it (its classes: person, bicycle, car; names are case-sensitive)"
    ]
    checked = check_classes(config, classes_of)
    assert "cameras.0.detector.model: unknown model 'missing'" in checked.problems

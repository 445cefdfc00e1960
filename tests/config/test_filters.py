"""Per-class filters and ignore masks in the config: parsing, defaults, the service's default."""

from __future__ import annotations

import pytest

from config import ConfigError, parse_config
from config.filters import ClassFilterConfig, IgnoreConfig

EXAMPLE = """
filters:
  person: {min_score: 0.4, min_area: 0.002}
cameras:
  - id: yard
    url: yard.mp4
    filters:
      car: {min_area: 0.01, max_area: 0.5}
    ignore:
      - polygon: [[0, 0], [0.3, 0], [0.3, 0.2]]
        coordinates: normalized
        classes: [car]
  - id: door
    url: door.mp4
  - id: shed
    url: shed.mp4
    filters: {}
"""


def test_example_parses_and_cameras_without_filters_use_the_services() -> None:
    config = parse_config(EXAMPLE)
    yard, door, shed = config.cameras
    assert config.filters_for(yard) == {"car": ClassFilterConfig(min_area=0.01, max_area=0.5)}
    assert config.filters_for(door) == {"person": ClassFilterConfig(min_score=0.4, min_area=0.002)}
    assert config.filters_for(shed) == {}
    (mask,) = yard.ignore
    assert mask.anchor == "bottom_center" and mask.classes == ("car",)
    assert door.ignore == () and door.filters is None


def test_defaults_drop_nothing() -> None:
    assert ClassFilterConfig() == ClassFilterConfig(min_score=0, min_area=0, max_area=1)
    assert parse_config("cameras: []").filters == {}


def test_every_field_is_documented() -> None:
    for model in (ClassFilterConfig, IgnoreConfig):
        undocumented = [n for n, f in model.model_fields.items() if not f.description]
        assert undocumented == [], model.__name__


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("filters: {person: {min_area: 2}}", "filters.person.min_area"),
        ("filters: {person: {min_size: 2}}", "filters.person.min_size"),
        ("cameras: [{id: a, url: x, ignore: [{polygon: [[0, 0], [1, 1]]}]}]",
         "cameras.0.ignore.0.polygon"),
    ],
)  # fmt: skip
def test_errors_name_the_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config(text)

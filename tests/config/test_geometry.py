"""Lines and zones in the camera config: defaults, validation, errors that name the key."""

from __future__ import annotations

import pytest

from config import ConfigError, LineConfig, ZoneConfig, parse_config

EXAMPLE = """
cameras:
  - id: shop
    url: data/vtest.avi
    lines:
      - name: door
        points: [[0, 300], [768, 300]]
        in_name: entering
        out_name: leaving
      - name: aisle
        coordinates: normalized
        points: [[0.5, 0], [0.5, 1]]
        anchor: center
        classes: [person]
        min_distance_px: 8
        min_frames: 4
        dedupe_window_s: 5
        switch_radius_px: 40
        switch_window_s: 0.5
    zones:
      - name: till
        polygon: [[100, 100], [200, 100], [200, 200]]
        loiter_after_s: 30
"""


def test_example_parses_with_defaults() -> None:
    (camera,) = parse_config(EXAMPLE).cameras
    door, aisle = camera.lines
    assert door == LineConfig(
        name="door", points=((0, 300), (768, 300)), in_name="entering", out_name="leaving"
    )
    assert (door.coordinates, door.anchor, door.classes) == ("pixels", "bottom_center", ())
    assert (door.min_distance_px, door.min_frames, door.dedupe_window_s) == (5.0, 3, 2.0)
    assert (door.switch_radius_px, door.switch_window_s) == (25.0, 1.0)
    assert aisle.coordinates == "normalized" and aisle.anchor == "center"
    assert (aisle.min_frames, aisle.switch_window_s, aisle.classes) == (4, 0.5, ("person",))
    (till,) = camera.zones
    assert till == ZoneConfig(name="till", polygon=((100, 100), (200, 100), (200, 200)),
                              loiter_after_s=30)  # fmt: skip
    assert (till.min_frames, till.anchor, till.coordinates) == (2, "bottom_center", "pixels")


def test_cameras_have_no_geometry_by_default() -> None:
    (camera,) = parse_config("cameras: [{id: a, url: x}]").cameras
    assert camera.lines == () and camera.zones == ()


def test_every_field_is_documented() -> None:
    for model in (LineConfig, ZoneConfig):
        undocumented = [n for n, f in model.model_fields.items() if not f.description]
        assert undocumented == [], model.__name__


LINE = "cameras:\n  - id: a\n    url: x\n    lines:\n      - "
ZONE = "cameras:\n  - id: a\n    url: x\n    zones:\n      - "


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LINE + "{name: l, points: [[0, 0], [1, 1]], colour: red}", "lines.0.colour: unknown key"),
        (LINE + "{name: l, points: [[0, 0]]}", "cameras.0.lines.0.points"),
        (LINE + "{name: l, points: [[0, 0], [0, 0]]}", "line l: its two points must differ"),
        (LINE + "{name: l, points: [[0, 0], [1, 1]], in_name: x, out_name: x}", "must differ"),
        (
            LINE + "{name: l, coordinates: normalized, points: [[0, 0], [1.5, 1]]}",
            "normalized coordinates must lie in [0, 1]",
        ),
        (LINE + "{name: l, points: [[0, 0], [1, 1]], anchor: feet}", "lines.0.anchor"),
        (LINE + "{name: l, points: [[0, 0], [1, 1]], min_frames: 0}", "lines.0.min_frames"),
        (LINE + "{name: 'a b', points: [[0, 0], [1, 1]]}", "lines.0.name"),
        (ZONE + "{name: z, polygon: [[0, 0], [1, 1]]}", "zones.0.polygon"),
        (ZONE + "{name: z, polygon: [[0, 0], [1, 1], [1, 1]]}", "three distinct corners"),
        (ZONE + "{name: z, polygon: [[0, 0], [9, 0], [0, 9]], loiter_after_s: 0}", "loiter"),
        (
            LINE + "{name: x, points: [[0, 0], [1, 1]]}\n    zones:\n      - "
            "{name: x, polygon: [[0, 0], [9, 0], [0, 9]]}",
            "line or zone name 'x' is used twice",
        ),
    ],
)
def test_bad_geometry_is_an_error_naming_the_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="cams.yaml")
    assert expected in str(caught.value)

"""The privacy section of a camera: validation, its defaults (off) and the settings it builds;
the README's example parses."""

from __future__ import annotations

import re

import pytest

from config import parse_config
from config.errors import ConfigError
from outputs.privacy import PrivacyMode, PrivacyZone
from tests.conftest import ROOT


def test_privacy_is_off_by_default() -> None:
    camera = parse_config("cameras: [{id: a, url: x.mp4}]\n").cameras[0]
    assert not camera.privacy.settings().active


def test_the_readme_example_builds_its_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Privacy masking\n.*?```yaml\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    settings = parse_config(block.group(1)).cameras[0].privacy.settings()
    assert settings.classes == {"person"} and settings.mode is PrivacyMode.PIXELATE
    assert settings.zones == (
        PrivacyZone(((0.8, 0.0), (1.0, 0.0), (1.0, 0.3), (0.8, 0.3)), normalized=True),
    )


@pytest.mark.parametrize(
    ("privacy", "message"),
    [
        ("{zones: [{polygon: [[0, 0], [1, 1]]}]}", "at least 3"),
        ("{zones: [{polygon: [[0, 0], [0, 0], [1, 1]]}]}", "three distinct corners"),
        (
            "{zones: [{coordinates: normalized, polygon: [[0, 0], [2, 0], [1, 1]]}]}",
            "must lie in [0, 1]",
        ),
        ("{mode: smudge}", "'pixelate', 'blur' or 'black'"),
        ("{block_px: 1}", "greater than or equal to 2"),
        ("{face_check_s: 0}", "greater than 0"),
        ("{face_scan_s: -1}", "greater than or equal to 0"),
    ],
)
def test_bad_privacy_settings_are_refused(privacy: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(f"cameras: [{{id: a, url: x.mp4, privacy: {privacy}}}]\n")

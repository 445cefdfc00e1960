"""docs/config.md is the reference rendered from the models: it cannot drift from them."""

from __future__ import annotations

from config import AppConfig
from config.reference import render, rows
from tests.conftest import ROOT

REGENERATE = "trackcast config reference > docs/config.md"


def test_docs_config_md_is_the_rendered_reference() -> None:
    written = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    assert written == render(), f"docs/config.md is out of date: run `{REGENERATE}`"


def test_every_key_is_in_the_reference_with_a_description() -> None:
    reference = render()
    every = list(rows(AppConfig, "", AppConfig()))
    assert len(every) > 100  # nested sections and list items included
    for row in every:
        assert f"| `{row.key}` |" in reference
        assert row.description, f"{row.key} has no description: add one in config/"


def test_nested_defaults_are_the_sections_own() -> None:
    """webrtc.publishers has other defaults than webrtc.viewers, though one class holds both."""
    by_key = {row.key: row for row in rows(AppConfig, "", AppConfig())}
    assert by_key["webrtc.viewers.max_sessions"].default == "`64`"
    assert by_key["webrtc.publishers.max_sessions"].default == "`16`"
    assert by_key["cameras[].url"].default == "required"
    assert by_key["cameras[].transport"].type == '`"tcp"` | `"udp"`'
    assert by_key["cameras[].zones[].polygon"].type == "list of [number, number]"

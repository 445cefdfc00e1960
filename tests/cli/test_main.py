"""``trackcast``'s entry point: a bad input is one line on stderr, in the chosen log format."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import EXIT_USAGE, main


@pytest.fixture
def root_logging() -> Iterator[None]:
    """main() configures the root logger: put it back as it was."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.captureWarnings(False)


def test_a_config_error_is_one_json_line_with_log_format_json(
    root_logging: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "cameras.yaml"
    config.write_text("cameras: [{id: lobby, url: 'ftp://x/y'}]\n", encoding="utf-8")
    code = main(["--log-format", "json", "serve", "--config", str(config)])
    captured = capsys.readouterr()
    assert code == EXIT_USAGE
    assert captured.out == ""
    [line] = captured.err.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert str(config) in entry["message"]


def test_a_config_error_is_a_trackcast_error_line_in_text(
    root_logging: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--config", str(tmp_path / "missing.yaml")])
    captured = capsys.readouterr()
    assert code == EXIT_USAGE
    [line] = captured.err.splitlines()
    assert line.startswith("trackcast: error: cannot read ")

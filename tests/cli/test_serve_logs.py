"""One log format for a whole demo run (``trackcast serve`` on scripts/demo.yaml): every line on
stderr, from trackcast, uvicorn (its access log included), alembic, aiortc and the model's
libraries, parses in the format the config chose, nothing reaches stdout, and no token reaches a
line."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.restream.whep_client import view
from tests.servers.trackcast_server import TrackcastServer

TOKEN = "viewer-token-for-logs-0123456789"
TEXT_LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d "
    r"(DEBUG|INFO|WARNING|ERROR|CRITICAL) [A-Za-z_][\w.]*: \S.*"
)
JSON_KEYS = {"time", "level", "logger", "message"}
QUIET = ("alembic", "aioice", "aiortc")
"""Libraries whose INFO chatter is kept out below the debug level."""


def demo_config(tmp_path: Path, log_format: str) -> Path:
    """The demo's config (scripts/demo.yaml: vtest.avi, the person model, a line and a zone),
    with its database in ``tmp_path``, the log format, and a token to keep out of the log."""
    config = yaml.safe_load((ROOT / "scripts" / "demo.yaml").read_text(encoding="utf-8"))
    config["data_dir"] = str(tmp_path / "data")  # SQLite: alembic migrates it at start
    config["logging"] = {"format": log_format}
    config["auth"] = {"tokens": [{"token": TOKEN, "role": "viewer"}]}
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def parse_line(line: str, log_format: str) -> tuple[str, str]:
    """(level, logger) of one log line; fails the test on a line in any other format."""
    if log_format == "text":
        match = TEXT_LINE.fullmatch(line)
        assert match is not None, f"not a text log line: {line!r}"
        level, rest = match.group(1), line.split(" ", 2)[2]
        return level, rest.split(":", 1)[0]
    entry = json.loads(line)
    assert isinstance(entry, dict) and entry.keys() >= JSON_KEYS, line
    datetime.fromisoformat(entry["time"])
    return entry["level"], entry["logger"]


@pytest.mark.model  # the demo's person model, loaded in the server's process
@pytest.mark.parametrize(
    ("configured", "flag", "level"),
    [("text", None, "info"), ("json", None, "info"), ("json", "text", "debug")],
)
def test_every_line_of_a_demo_run_is_in_the_chosen_format(
    configured: str, flag: str | None, level: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config chooses the format, ``--log-format`` overrides it; at debug the libraries'
    details show (alembic's migration steps, aiortc's session), in the same format."""
    monkeypatch.setenv("TRACKCAST_WEBRTC_HOSTS", "127.0.0.1")
    monkeypatch.delenv("TRACKCAST_LOG_FORMAT", raising=False)
    monkeypatch.setenv("TRACKCAST_LOG_LEVEL", level)  # overrides the config's (info)
    log_format = flag or configured
    trackcast = [str(Path(sys.executable).with_name("trackcast"))]
    server = TrackcastServer(
        demo_config(tmp_path, configured),
        args=["--open"],  # as scripts/demo.sh
        program=[*trackcast, "--log-format", flag] if flag else (),
        split_output=True,
    )
    try:
        server.start()
        assert server.request("GET", f"/api/cameras?access_token={TOKEN}").status_code == 200
        assert server.request("GET", "/api/cameras/walkway").status_code == 200
        assert server.request("GET", "/api/cameras/nobody").status_code == 404
        assert server.request("GET", "/metrics").status_code == 200
        viewing = asyncio.run(view(server.url, "walkway", frames=3, timeout_s=60))  # aiortc, aioice
        assert len(viewing.frames) == 3
        assert server.terminate() in (0, -signal.SIGTERM)
        stdout, stderr = server.output(), server.errors()
    finally:
        server.close()
    assert stdout == ""
    lines = stderr.splitlines()
    records = [parse_line(line, log_format) for line in lines]
    loggers = {logger for _, logger in records}
    assert {"uvicorn.error", "uvicorn.access", "runtime.cameras"} <= loggers, loggers
    chatter = [r for r in records if r[1].split(".")[0] in QUIET and r[0] in ("DEBUG", "INFO")]
    if level == "debug":
        assert {"alembic.runtime.migration", "aiortc.rtcpeerconnection"} <= loggers, loggers
    else:
        assert chatter == []
    if log_format == "json":  # a camera's lines carry it as a field, a request's its own
        entries = [json.loads(line) for line in lines]
        assert "walkway" in {entry.get("camera") for entry in entries}
        access = {(e["method"], e["path"], e["status"]) for e in entries if "path" in e}
        assert ("GET", "/api/cameras?access_token=***", 200) in access
    assert TOKEN not in stderr
    assert any("GET /api/cameras?access_token=*** HTTP/1.1" in line for line in lines)
    assert any("Application shutdown complete" in line for line in lines)

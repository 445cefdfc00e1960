"""``trackcast serve --cluster``: what it needs is checked before anything starts (one line, exit
2), and single-process serve never imports Ray. Cluster mode itself runs in tests/cluster/."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser
from cli.serve import serve_config
from tests.conftest import ROOT, run_cli
from tests.waiting import scaled


def test_cluster_takes_an_address_or_ray_address(monkeypatch: pytest.MonkeyPatch) -> None:
    given = serve_config(build_parser().parse_args(["serve", "--cluster", "10.0.0.5:6379"]))
    assert given.cluster.resolved_address() == "10.0.0.5:6379"
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.6:6379")
    bare = serve_config(build_parser().parse_args(["serve", "--cluster"]))
    assert (bare.cluster.address, bare.cluster.resolved_address()) == ("auto", "10.0.0.6:6379")
    assert serve_config(build_parser().parse_args(["serve"])).cluster.address is None


def _refused(tmp_path: Path, config: str, *args: str) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(f"data_dir: {tmp_path / 'data'}\n{config}")
    result = run_cli(["serve", "--config", str(path), "--open", *args], timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert not (tmp_path / "data").exists()  # refused before anything started
    return lines[0]


def test_cluster_mode_without_postgresql_is_refused(tmp_path: Path) -> None:
    line = _refused(tmp_path, "", "--cluster", "127.0.0.1:1")
    assert "cluster mode needs PostgreSQL storage" in line


def test_cluster_mode_without_an_address_is_refused(tmp_path: Path) -> None:
    postgres = "storage: {url: 'postgresql+psycopg://u:p@127.0.0.1:1/db'}\n"
    line = _refused(tmp_path, postgres, "--cluster")
    assert "no cluster address" in line and "RAY_ADDRESS" in line


def _unused_port() -> int:
    with socket.socket() as unused:  # a port nothing listens on: Ray would wait for minutes
        unused.bind(("127.0.0.1", 0))
        port: int = unused.getsockname()[1]
    return port


def test_a_cluster_address_where_nothing_answers_is_refused_at_once(tmp_path: Path) -> None:
    port = _unused_port()
    postgres = "storage: {url: 'postgresql+psycopg://u:p@127.0.0.1:1/db'}\n"
    line = _refused(tmp_path, postgres, "--cluster", f"127.0.0.1:{port}")
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in line


def test_cluster_mode_takes_webhooks_and_mqtt(tmp_path: Path) -> None:
    """They pass every check (the controller sends them): only the missing cluster stops it."""
    port = _unused_port()
    config = (
        "storage: {url: 'postgresql+psycopg://u:p@127.0.0.1:1/db'}\n"
        "webhooks: [{url: 'http://127.0.0.1:1/hook'}]\n"
        "mqtt: {host: 127.0.0.1, port: 1}\n"
    )
    line = _refused(tmp_path, config, "--cluster", f"127.0.0.1:{port}")
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in line


PROBE = """
import json, sys
from api.app import create_app
from cli.main import build_parser
from cli.serve import build_service, serve_config

service = build_service(serve_config(build_parser().parse_args(sys.argv[1:])))
create_app(service)
service.start()
service.stop()
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] == "ray")))
"""


def test_single_process_serve_never_imports_ray(tmp_path: Path) -> None:
    config = tmp_path / "serve.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, "serve", "--config", str(config), "--open"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=scaled(120),
        check=True,
    )
    assert json.loads(probe.stdout.splitlines()[-1]) == []

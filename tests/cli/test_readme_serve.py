"""The README's ``serve`` + ``curl`` example, run as written (only the port is a free one), with
no internet: the commands are read from the README, so the example cannot drift from what works."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.servers.trackcast_server import free_port
from tests.waiting import scaled, wait_until

SECTION = "## The service: REST, live feeds, storage, webhooks, MQTT"


def readme_commands() -> list[str]:
    """The first bash block of the service section, one command per entry (continuations
    joined, comments kept: bash ignores them)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(SECTION) :]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "no bash block in the README's service section"
    return block.group(1).replace("\\\n", " ").splitlines()


def test_the_readme_commands_are_the_serve_and_curl_example() -> None:
    commands = readme_commands()
    assert sum("trackcast serve" in command for command in commands) == 1
    assert sum(command.startswith("curl ") for command in commands) == 3


@pytest.mark.model  # the example serves with the offline person model
def test_the_readme_serve_and_curl_example_works_offline(tmp_path: Path) -> None:
    port = str(free_port())
    commands = [c.replace("8080", port) for c in readme_commands()]
    serve_at = next(i for i, c in enumerate(commands) if "trackcast serve" in c)
    prelude, serve, rest = commands[:serve_at], commands[serve_at], commands[serve_at + 1 :]
    # a fresh folder, as a user's checkout: .venv is this environment, the code this checkout's
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    bin_dir = str(Path(sys.executable).parent)  # a bare `trackcast` works too
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("TRACKCAST_ADMIN_TOKEN", None)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            ["bash", "-c", "\n".join([*prelude, f"exec {serve}"])],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:

            def ready() -> bool:
                assert server.poll() is None, "trackcast serve exited early"
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).is_success
                except httpx.TransportError:
                    return False

            wait_until(ready, timeout_s=120, step_s=0.2)
            script = "\n".join(["set -euo pipefail", *prelude, *rest])
            client = subprocess.run(
                ["bash", "-c", script],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=scaled(300),
                check=False,
            )
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=scaled(60))
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
        log.seek(0)
        output = log.read().decode(errors="replace")
    assert client.returncode == 0, client.stderr
    # curl prints the bodies back to back: the camera, the events, the counts' CSV
    decoder = json.JSONDecoder()
    camera, end = decoder.raw_decode(client.stdout)
    events, end = decoder.raw_decode(client.stdout, end)
    assert camera["id"] == "cam1" and camera["url"] == "rtsp://user:***@camera/stream"
    assert events["events"] == []
    assert client.stdout[end:].startswith("camera_id,")  # the CSV header
    answered = re.findall(r'"(GET|POST) (\S+) HTTP/1\.1" (\d{3})', output)
    api = [(method, int(code)) for method, path, code in answered if "/api/" in path]
    assert api == [("POST", 201), ("GET", 200), ("GET", 200)]

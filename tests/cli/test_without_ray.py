"""Single-process trackcast where Ray is not installed: ``serve`` and ``track`` work, and the
cluster commands say in one line how to install it.

Ray is hidden the way Python itself treats a module that is absent: a ``sitecustomize`` on the
subprocess's path sets ``sys.modules["ray"] = None``, so ``import ray`` raises
``ModuleNotFoundError`` and ``importlib.util.find_spec("ray")`` finds nothing, wherever either
is tried.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.servers.trackcast_server import TrackcastServer
from tests.waiting import scaled, wait_until

HIDE_RAY = 'import sys\nsys.modules["ray"] = None  # as if Ray were not installed\n'
INSTALL_HINT = "pip install 'trackcast[cluster]'"


@pytest.fixture
def without_ray(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of subprocesses that cannot import Ray (also set in this process's
    environment, which servers started by the test inherit)."""
    shim = tmp_path / "no-ray"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(HIDE_RAY)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join((str(shim), str(ROOT))))
    return dict(os.environ)


def _trackcast(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    program = str(Path(sys.executable).with_name("trackcast"))
    return subprocess.run(
        [program, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=scaled(600)
    )


def test_ray_cannot_be_imported_or_found_there(without_ray: dict[str, str]) -> None:
    probe = "import importlib.util\nprint(importlib.util.find_spec('ray'))\nimport ray\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=without_ray, capture_output=True, text=True
    )
    assert done.stdout == "None\n"
    assert "ModuleNotFoundError: import of ray halted" in done.stderr


def test_track_runs_without_ray(without_ray: dict[str, str], square_clip: Path) -> None:
    out = square_clip.parent / "no-ray.jsonl"
    done = _trackcast(
        [
            "track", str(square_clip), "--model", "coco-yolov3-tiny", "--imgsz", "320",
            "--precision", "fp32", "--jsonl", str(out),
        ],
        without_ray,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(20))  # every frame of the clip


def test_serve_runs_cameras_without_ray(
    without_ray: dict[str, str], square_clip: Path, tmp_path: Path
) -> None:
    config = tmp_path / "serve.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        "auth: {open: true}\n"
        f"sources: {{media_roots: ['{square_clip.parent}']}}\n"
        f"cameras:\n  - {{id: lobby, url: '{square_clip}', loop: true}}\n"
    )
    server = TrackcastServer(config, program=(sys.executable, "-m", "tests.servers.blob_serve"))
    try:
        server.start()

        def tracked() -> bool:
            [camera] = server.request("GET", "/api/cameras").json()
            return bool(camera["health"]["frames_analysed"] > 0)

        wait_until(tracked, timeout_s=60, step_s=0.2)
        assert server.terminate() == -15
    finally:
        server.close()


def test_cluster_worker_says_how_to_install_ray(without_ray: dict[str, str]) -> None:
    done = _trackcast(["cluster", "worker", "--address=ray-head", "--cameras=2"], without_ray)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("trackcast: error: ") and INSTALL_HINT in line


def test_serve_on_a_cluster_says_how_to_install_ray(
    without_ray: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "cluster.yaml"  # all that cluster mode needs but Ray
    config.write_text("storage: {url: 'postgresql+psycopg://trackcast@127.0.0.1:9/trackcast'}\n")
    done = _trackcast(["serve", "--cluster", "ray-head:6379", "--config", str(config)], without_ray)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert INSTALL_HINT in line

"""``trackcast run --config``: real cameras (a looping file, a dead RTSP URL), real model."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_runs_cameras_and_reports_each_one(square_clip: Path, tmp_path: Path) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text(
        "detector: {model: coco-yolov3-tiny, imgsz: 320}\n"
        f"sources: {{media_roots: ['{square_clip.parent}'], private_networks: true}}\n"
        "cameras:\n"
        f"  - {{id: lobby, url: '{square_clip}', loop: true}}\n"
        "  - {id: gone, url: 'rtsp://admin:secret@127.0.0.1:9/x', reconnect: {backoff_max_s: 1}}\n"
    )
    result = run_cli(["run", "--config", str(config), "--duration", "5", "--status-every", "2"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "running 2 camera(s); Ctrl-C stops"
    assert any(line.startswith("lobby: streaming in ") for line in lines)
    assert any(line.startswith("gone: backoff") and "cannot connect to" in line for line in lines)
    assert "secret" not in result.stdout + result.stderr
    assert lines[-1] == "stopped"


def test_a_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text("cameras:\n  - {id: a, url: x, fsp_cap: 5}\n")
    result = run_cli(["run", "--config", str(config)], timeout=60)
    assert result.returncode == 2
    assert "cameras.0.fsp_cap: unknown key" in result.stderr
    assert "Traceback" not in result.stderr

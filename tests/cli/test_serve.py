"""``trackcast serve``: a real uvicorn server on 127.0.0.1 with a real model and camera."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.servers.trackcast_server import TrackcastServer


def test_serve_runs_config_cameras_and_takes_new_ones(square_clip: Path, tmp_path: Path) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        "auth: {open: true}\n"
        "detector: {model: coco-yolov3-tiny, imgsz: 320}\n"
        f"sources: {{media_roots: ['{square_clip.parent}']}}\n"
        f"cameras:\n  - {{id: lobby, url: '{square_clip}', loop: true}}\n"
    )
    server = TrackcastServer(config)
    try:
        server.start()
        created = server.request(
            "POST", "/api/cameras", json={"id": "yard", "url": str(square_clip)}
        )
        assert created.status_code == 201 and created.json()["id"] == "yard"
        time.sleep(2)
        states = {c["id"]: c["state"] for c in server.request("GET", "/api/cameras").json()}
        assert states["lobby"] == "streaming" and states["yard"] in ("streaming", "stopped")
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert server.terminate() in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in server.output()
        assert (tmp_path / "data" / "trackcast.db").is_file()
    finally:
        server.close()


def test_serve_open_answers_local_names_only(tmp_path: Path) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")  # no auth section: --open opens it
    server = TrackcastServer(config, args=["--open"])
    try:
        server.start()
        assert server.request("GET", "/api/cameras").status_code == 200
        rebinding = server.request("GET", "/api/cameras", headers={"Host": "evil.example"})
        assert rebinding.status_code == 403
        cross_site = server.request(
            "GET", "/api/cameras", headers={"Origin": "http://evil.example"}
        )
        assert cross_site.status_code == 403
        assert server.terminate() in (0, -signal.SIGTERM)
    finally:
        server.close()
    closed = TrackcastServer(config)  # without --open the same config needs a token
    try:
        closed.start()
        assert closed.request("GET", "/api/cameras").status_code == 401
        closed.terminate()
    finally:
        closed.close()


MISSPELT = {
    "lines": (
        "    lines: [{name: door, points: [[0, 0], [9, 9]], classes: [persn]}]\n",
        "cameras.0.lines.0.classes: 'persn' never reported by the detector (coco-yolov3-tiny), "
        "so door would never count it (its classes: person, bicycle, car, ",
    ),
    "filters": (
        "    filters: {persn: {min_score: 0.5}}\n",
        "cameras.0.filters.persn: 'persn' never reported by the detector (coco-yolov3-tiny), "
        "so this filter would never apply (its classes: person, bicycle, car, ",
    ),
    "ignore": (
        "    ignore: [{polygon: [[0, 0], [9, 0], [9, 9]], classes: [persn]}]\n",
        "cameras.0.ignore.0.classes: 'persn' never reported by the detector (coco-yolov3-tiny), "
        "so the mask would never drop it (its classes: person, bicycle, car, ",
    ),
    "privacy": (
        "    privacy: {classes: [persn]}\n",
        "cameras.0.privacy.classes: 'persn' never reported by the detector (coco-yolov3-tiny), "
        "so they would be shown unmasked (its classes: person, bicycle, car, ",
    ),
    "detector.classes": (
        "    detector: {model: coco-yolov3-tiny, imgsz: 320, classes: [persn]}\n",
        "cameras.0.detector.classes: 'persn' not reported by coco-yolov3-tiny (its classes: "
        "person, bicycle, car, ",
    ),
}


@pytest.mark.parametrize("key", list(MISSPELT))
def test_serve_refuses_a_misspelt_class_before_the_server_starts(
    key: str, square_clip: Path, tmp_path: Path
) -> None:
    setting, problem = MISSPELT[key]
    config = tmp_path / "cams.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        "detector: {model: coco-yolov3-tiny, imgsz: 320}\n"
        f"sources: {{media_roots: ['{square_clip.parent}']}}\n"
        f"cameras:\n  - id: lobby\n    url: '{square_clip}'\n{setting}"
        f"  - id: spare\n    url: '{square_clip}'\n    enabled: false\n{setting}"
    )
    result = run_cli(["serve", "--config", str(config), "--port", "0"], timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()  # no traceback, no server log: uvicorn never started
    assert line.startswith(f"trackcast: error: {config}: {problem}"), line
    assert "cameras.1." not in line  # a disabled camera is not started, so not checked
    assert not (tmp_path / "data" / "trackcast.db").exists()

"""``trackcast serve``: a real uvicorn server on 127.0.0.1 with a real model and camera."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(url: str, body: dict[str, object] | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_serve_runs_config_cameras_and_takes_new_ones(square_clip: Path, tmp_path: Path) -> None:
    config = tmp_path / "cams.yaml"
    config.write_text(
        "detector: {model: coco-yolov3-tiny, imgsz: 320}\n"
        f"cameras:\n  - {{id: lobby, url: '{square_clip}', loop: true}}\n"
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    trackcast = str(Path(sys.executable).with_name("trackcast"))
    server = subprocess.Popen(
        [trackcast, "serve", "--config", str(config), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "server never became ready"
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            time.sleep(0.2)
        status, created = _request(f"{base}/api/cameras", {"id": "yard", "url": str(square_clip)})
        assert status == 201 and created["id"] == "yard"  # type: ignore[index]
        time.sleep(2)
        status, cameras = _request(f"{base}/api/cameras")
        states = {c["id"]: c["state"] for c in cameras}  # type: ignore[attr-defined]
        assert states["lobby"] == "streaming" and states["yard"] in ("streaming", "stopped")
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
        assert server.stderr is not None
        assert "Application shutdown complete" in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()

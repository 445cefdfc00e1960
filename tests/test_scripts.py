"""The README's main command: the demo script serves the bundled footage, live, to a browser."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.servers.trackcast_server import free_port
from tests.waiting import scaled, wait_until


@pytest.mark.model  # demo.sh serves with the person model, loaded in its own process
def test_demo_script_serves_vtest_live_with_events(vtest: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        demo = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "demo.sh")],
            env={**os.environ, "TRACKCAST_PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:

            def ready() -> bool:
                assert demo.poll() is None, "demo.sh exited early"
                try:
                    return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(ready, timeout_s=300, step_s=0.5)
            since = time.time()
            camera = f"{base}/api/cameras/walkway"
            wait_until(lambda: httpx.get(camera).json()["state"] == "streaming", 60, 0.5)
            # the person model at 640 px, exported before serving: the first view has boxes on
            # the walkway's people (about eight in view), not "tracks 0"
            wait_until(lambda: len(httpx.get(f"{camera}/tracks").json()) >= 4, 30, 0.5)
            assert httpx.get(camera).json()["health"]["detector"] == "openvino int8"
            # open without tokens, for this machine only: a DNS-rebinding page is refused
            assert httpx.get(camera, headers={"Host": "evil.example"}).status_code == 403
            page = httpx.get(f"{base}/", follow_redirects=True, timeout=10)
            assert page.status_code == 200 and "<video" in page.text
            wait_until(
                lambda: bool(
                    httpx.get(f"{base}/api/events", params={"since": since}, timeout=10).json()[
                        "events"
                    ]
                ),
                timeout_s=60,
                step_s=0.5,
            )
            snapshot = httpx.get(f"{camera}/snapshot.jpg", timeout=10)
            assert snapshot.headers["content-type"] == "image/jpeg"
            demo.send_signal(signal.SIGTERM)
            assert demo.wait(timeout=scaled(60)) in (0, -signal.SIGTERM)
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
            log.seek(0)
            output = log.read().decode(errors="replace")
    assert f"open http://127.0.0.1:{port}/ in a browser" in output
    assert "events emitted" in output

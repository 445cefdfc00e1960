"""The whole service as a user runs it: ``trackcast serve`` with the offline person model, a
camera on a real RTSP server added through REST, live tracks over WebSocket, events stored,
SIGTERM under load, a restart, and a client resuming from its cursor."""

from __future__ import annotations

import json
import re
import signal
import threading
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.servers.rtsp import RtspCamera
from tests.servers.trackcast_server import TrackcastServer
from tests.waiting import wait_until

ADMIN = "e2e-admin-token-0123456789"


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "serve.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        "detector: {model: person-yolov8s, imgsz: 320}\n"
        "tracker: {lost_timeout_s: 1.0}\n"
        "storage: {flush_interval_ms: 100}\n"
        "sources: {private_networks: true}\n"  # the test RTSP camera is on 127.0.0.1
    )
    return config


class EventClient(threading.Thread):
    """Collects /api/events/ws messages until the server closes the connection."""

    def __init__(self, server: TrackcastServer, after: int) -> None:
        super().__init__(daemon=True)
        self.url = f"{server.ws_url}/api/events/ws?after={after}&access_token={ADMIN}"
        self.events: list[dict[str, Any]] = []
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            with connect(self.url, open_timeout=10) as ws:
                self.connected.set()
                while True:
                    self.events.append(json.loads(ws.recv(timeout=120)))
        except (ConnectionClosed, TimeoutError, OSError):
            pass


def _stored_seqs(server: TrackcastServer) -> list[int]:
    page = server.request("GET", "/api/events", params={"limit": 1000}).json()
    return [e["seq"] for e in page["events"]]


def test_rtsp_camera_to_stored_events_across_sigterm_and_restart(
    rtsp_camera: RtspCamera, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    server = TrackcastServer(config, admin_token=ADMIN)
    try:
        server.start()
        body = {"id": "cam1", "url": rtsp_camera.url}
        assert server.request("POST", "/api/cameras", json=body, headers={}).status_code == 201
        refused = server.request(
            "POST", "/api/cameras", json={"id": "x", "url": "y"}, headers={"Authorization": ""}
        )
        assert refused.status_code == 401

        tracks_url = f"{server.ws_url}/api/cameras/cam1/tracks/ws?access_token={ADMIN}"
        with connect(tracks_url, open_timeout=10) as ws:
            frame: dict[str, Any] = {}
            for _ in range(600):
                frame = json.loads(ws.recv(timeout=60))
                if frame["tracks"]:
                    break
        assert frame["tracks"][0]["class_name"] == "person"

        steady = EventClient(server, after=0)  # stays connected until shutdown
        steady.start()
        assert steady.connected.wait(10)
        # a second client reads three events, leaves, and resumes after the restart
        away_url = f"{server.ws_url}/api/events/ws?after=0&access_token={ADMIN}"
        with connect(away_url, open_timeout=10) as ws:
            seen = [json.loads(ws.recv(timeout=60)) for _ in range(3)]
        cursor = seen[-1]["seq"]
        wait_until(lambda: len(_stored_seqs(server)) >= cursor + 5, timeout_s=60, step_s=0.2)

        assert server.terminate() in (0, -signal.SIGTERM)  # under load: camera still streaming
        output = server.output()
        counts = re.search(r"events emitted (\d+), stored (\d+), dropped (\d+)", output)
        assert counts, output[-3000:]
        emitted, stored, dropped = (int(n) for n in counts.groups())
        assert emitted == stored and dropped == 0
        steady.join(10)
    finally:
        server.close()

    restarted = TrackcastServer(config, admin_token=ADMIN)
    try:
        restarted.start()
        seqs = _stored_seqs(restarted)
        assert len(seqs) == stored and seqs == sorted(seqs)
        assert (
            restarted.request("GET", "/api/events", headers={"Authorization": ""}).status_code
            == 401
        )

        resumed = EventClient(restarted, after=cursor)
        resumed.start()
        assert resumed.connected.wait(10)
        missed = [s for s in seqs if s > cursor]
        wait_until(lambda: len(resumed.events) >= len(missed), timeout_s=30, step_s=0.1)
        assert [e["seq"] for e in resumed.events] == missed  # exactly what happened while away
        steady_after = [e["seq"] for e in steady.events if e["seq"] > cursor]
        assert steady_after == missed[: len(steady_after)]
        # the tracks still open at SIGTERM were ended and stored during shutdown
        assert any(e["data"].get("reason") == "camera stopped" for e in resumed.events)
        restarted.terminate()
    finally:
        restarted.close()

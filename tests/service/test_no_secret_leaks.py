"""Acceptance: the camera passwords and every token appear in no response, no log line and no
file of the data directory; only in the config file the user wrote.

``trackcast serve`` runs for real (its stdout and stderr are the logs, uvicorn's access log
included) with a password-protected HTTP camera that stalls (FFmpeg's read-timeout error names
the URL), a camera created through the API with its own password, a viewer token, two admin tokens
(config and environment) and a webhook with a secret and a token in its URL that always fails
(dead letters). The test uses the API as clients do: headers, query tokens where browsers need
them and where they are refused, failing PATCHes, SSE and WebSocket feeds, images.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml
from websockets.sync.client import connect

from tests.delivery.receiver import Reply, WebhookReceiver
from tests.servers.stalling_mjpeg import StallingMjpegCamera
from tests.servers.trackcast_server import TrackcastServer
from tests.waiting import wait_until

CAMERA_PASSWORD = "camPass-9f3kLqZw"
CAMERA_KEY = "camKey-Zx81Qw77aa"
API_CAMERA_PASSWORD = "apiPass-7Hq2mNv4"
VIEWER = "viewer-tok-5b1d9e0c7a"
ADMIN = "admin-tok-4e8f2a6b3c"
ENV_ADMIN = "env-admin-tok-0d3c7f1e9b"
WEBHOOK_SECRET = "hook-secret-8a2e5c7d"
WEBHOOK_TOKEN = "hook-tok-3f6b9d1a4e"

PASSWORDS = (CAMERA_PASSWORD, CAMERA_KEY, API_CAMERA_PASSWORD)
TOKENS = (VIEWER, ADMIN, ENV_ADMIN, WEBHOOK_SECRET, WEBHOOK_TOKEN)
DATABASE_FILES = ("trackcast.db", "trackcast.db-wal", "trackcast.db-shm")


def _config(
    tmp_path: Path, vtest: Path, camera: StallingMjpegCamera, receiver: WebhookReceiver
) -> Path:
    config = {
        "data_dir": str(tmp_path / "data"),
        "detector": {"model": "person-yolov8s", "imgsz": 320},
        "storage": {"flush_interval_ms": 100},
        "sources": {"media_roots": [str(vtest.parent)], "private_networks": True},
        "auth": {
            "tokens": [
                {"token": VIEWER, "role": "viewer", "name": "dashboard"},
                {"token": ADMIN, "role": "admin"},
            ]
        },
        "webhooks": [
            {
                "url": receiver.url(f"/hook?token={WEBHOOK_TOKEN}"),
                "secret": WEBHOOK_SECRET,
                "max_attempts": 1,
            }
        ],
        "cameras": [
            {"id": "walkway", "url": str(vtest), "loop": True, "fps_cap": 5},
            {
                "id": "gate",
                "url": camera.url,
                "reconnect": {
                    "read_timeout_s": 1,
                    "stall_timeout_s": 4,
                    "backoff_initial_s": 0.5,
                    "backoff_max_s": 1,
                },
            },
        ],
    }
    path = tmp_path / "serve.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


class Recorder:
    """Calls the server and keeps every response's status line, headers and body."""

    def __init__(self, server: TrackcastServer) -> None:
        self.server = server
        self.seen: list[str] = []

    def call(
        self,
        method: str,
        path: str,
        token: str | None = ADMIN,
        *,
        json: object = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"{self.server.url}{path}"
        response = httpx.request(method, url, headers=headers, json=json, params=params, timeout=30)
        self.keep(response)
        return response

    def keep(self, response: httpx.Response) -> None:
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        body = response.content.decode("latin-1")  # images too: a secret would show as bytes
        self.seen.append(f"{response.status_code} {response.url.path}\n{headers}\n{body}")

    def first_sse_event(self, path: str) -> None:
        url = f"{self.server.url}{path}"
        with httpx.stream("GET", url, timeout=30) as response:
            lines = []
            for line in response.iter_lines():
                lines.append(line)
                if line.startswith("data:"):
                    break
            self.seen.append(f"{response.status_code}\n" + "\n".join(lines))  # not the URL: ours
            assert response.status_code == 200 and lines

    def first_ws_message(self, path: str) -> dict[str, object]:
        with connect(f"{self.server.ws_url}{path}", open_timeout=30) as ws:
            message = str(ws.recv(timeout=60))
        self.seen.append(message)
        loaded: dict[str, object] = json.loads(message)
        return loaded


def _exercise(api: Recorder) -> None:
    camera = {"id": "door", "url": f"rtsp://door:{API_CAMERA_PASSWORD}@127.0.0.1:9/live"}
    assert api.call("POST", "/api/cameras", json=camera).status_code == 201
    assert api.call("POST", "/api/cameras", json=camera).status_code == 409
    wait_until(
        lambda: api.call("GET", "/api/cameras/door").json()["health"]["last_error"] is not None,
        timeout_s=60,
        step_s=0.5,
    )
    # failing PATCHes: bad values, unknown keys, a viewer writing, an unknown camera
    assert api.call("PATCH", "/api/cameras/gate", json={"fps_cap": -1}).status_code == 422
    assert api.call("PATCH", "/api/cameras/door", json={"url": ""}).status_code == 422
    assert api.call("PATCH", "/api/cameras/gate", json={"bogus": 1}).status_code == 422
    assert api.call("PATCH", "/api/cameras/gate", VIEWER, json={"fps_cap": 2}).status_code == 403
    assert api.call("PATCH", "/api/cameras/nope", json={"fps_cap": 2}).status_code == 404
    line = {"name": "door-line", "points": [[0.5, 0], [0.5, 1]], "coordinates": "normalized"}
    assert api.call("PATCH", "/api/cameras/door", json={"lines": [line]}).status_code == 200
    # fails only once merged with the stored settings (two lines of one name): the 422 lists
    # where and why, never the stored URL
    assert api.call("PATCH", "/api/cameras/door", json={"lines": [line, line]}).status_code == 422
    # query tokens: taken by images and feeds, refused (401) everywhere else
    query = {"access_token": VIEWER}
    snapshot = "/api/cameras/walkway/snapshot.jpg"
    wait_until(lambda: api.call("GET", snapshot, None, params=query).status_code == 200, 60)
    assert api.call("GET", "/api/cameras/walkway/heatmap.png", None, params=query).is_success
    assert api.call("GET", "/api/cameras", None, params=query).status_code == 401
    assert api.call("GET", "/api/events", None, params={"access_token": ADMIN}).status_code == 401
    assert api.call("DELETE", "/api/cameras/door", None, params=query).status_code == 401
    assert api.call("POST", "/api/cameras/gate/whep", None, params=query).status_code == 401
    assert api.call("GET", "/api/cameras", "wrong-token-0123456789").status_code == 401
    api.first_sse_event(f"/api/events/stream?access_token={VIEWER}")
    api.first_ws_message(f"/api/cameras/walkway/tracks/ws?access_token={VIEWER}")
    event = api.first_ws_message(f"/api/events/ws?after=0&access_token={VIEWER}")
    api.call("GET", f"/api/events/{event['id']}/thumbnail.jpg", None, params=query)
    # everything a client reads
    for path in ("/api/cameras", "/api/cameras/gate", "/api/cameras/door", "/api/events",
                 "/api/tracks", "/api/counts", "/api/cameras/walkway/tracks",
                 "/api/cameras/walkway/analytics", "/api/deadletters", "/metrics", "/healthz",
                 "/readyz", "/openapi.json", "/viewer/"):  # fmt: skip
        assert api.call("GET", path, VIEWER).is_success, path


def test_no_secret_in_any_response_log_line_or_data_file(tmp_path: Path, vtest: Path) -> None:
    with (
        StallingMjpegCamera("cam", CAMERA_PASSWORD, CAMERA_KEY) as camera,
        WebhookReceiver(lambda key, seen: Reply(status=500)) as receiver,
    ):
        config = _config(tmp_path, vtest, camera, receiver)
        server = TrackcastServer(config, admin_token=ENV_ADMIN)
        try:
            server.start()
            api = Recorder(server)
            _exercise(api)
            # the gate camera streamed, then FFmpeg's read timed out (its error names the URL)
            wait_until(lambda: "stopped reading after an error" in server.output(), 60, 0.5)
            assert camera.connections >= 1
            # a webhook delivery failed and was dead-lettered
            wait_until(lambda: api.call("GET", "/api/deadletters").json() != [], 120, 0.5)
            gate = api.call("GET", "/api/cameras/gate").json()
            assert gate["url"].startswith("http://cam:***@127.0.0.1:")
            assert gate["url"].endswith("/video.mjpg?apikey=***")
            assert receiver.received()  # the destination itself gets the URL's token: its own
            server.terminate()
            logs = server.output()
        finally:
            server.close()

    # what was checked did happen: the access log, the camera's errors, redacted
    assert "GET /api/cameras/walkway/snapshot.jpg?access_token=*** HTTP" in logs
    assert "cam:***@127.0.0.1" in logs and "door:***@127.0.0.1:9" in logs
    everything = {"responses": "\n".join(api.seen), "logs": logs}
    for where, text in everything.items():
        for secret in (*PASSWORDS, *TOKENS):
            assert secret not in text, f"{secret!r} in the {where}"
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert any(p.suffix == ".jpg" for p in files) and any(p.name in DATABASE_FILES for p in files)
    for path in files:
        content = path.read_bytes()
        # The database holds camera URLs with their passwords: the service has to send them to
        # the camera. It is 0600 in a 0700 directory (tests/storage/test_private.py) and never
        # shown; no token is ever stored, in the database or elsewhere.
        secrets = TOKENS if path.name in DATABASE_FILES else (*PASSWORDS, *TOKENS)
        for secret in secrets:
            assert secret.encode() not in content, f"{secret!r} in {path}"
    written = config.read_text()
    assert all(secret in written for secret in (CAMERA_PASSWORD, VIEWER, WEBHOOK_SECRET))

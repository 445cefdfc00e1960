"""/api/cameras through the FastAPI app, with real file cameras and a test detector."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.waiting import wait_until


def _state_becomes(client: TestClient, camera_id: str, state: str, timeout_s: float = 10) -> None:
    wait_until(
        lambda: client.get(f"/api/cameras/{camera_id}").json()["state"] == state,
        timeout_s=timeout_s,
        step_s=0.1,
    )


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_camera_lifecycle(client: TestClient, square_clip: Path) -> None:
    created = client.post(
        "/api/cameras", json={"id": "lobby", "url": str(square_clip), "loop": True}
    )
    assert created.status_code == 201 and created.headers["location"] == "/api/cameras/lobby"
    _state_becomes(client, "lobby", "streaming")
    assert [(c["id"], c["node"]) for c in client.get("/api/cameras").json()] == [("lobby", None)]

    disabled = client.patch("/api/cameras/lobby", json={"enabled": False})
    assert disabled.status_code == 200 and disabled.json()["state"] == "disabled"
    enabled = client.patch("/api/cameras/lobby", json={"enabled": True, "fps_cap": 5})
    assert enabled.json()["fps_cap"] == 5
    _state_becomes(client, "lobby", "streaming")
    time.sleep(1.0)
    assert client.get("/api/cameras/lobby").json()["health"]["frames_analysed"] > 0

    assert client.delete("/api/cameras/lobby").status_code == 204
    assert client.get("/api/cameras/lobby").status_code == 404
    assert client.delete("/api/cameras/lobby").status_code == 404


def test_credentials_never_come_back(client: TestClient) -> None:
    url = "rtsp://admin:hunter2@127.0.0.1:9/stream"
    body = client.post("/api/cameras", json={"id": "gate", "url": url}).text
    _state_becomes(client, "gate", "backoff")
    everything = body + client.get("/api/cameras").text + client.get("/api/cameras/gate").text
    assert "hunter2" not in everything and "admin:***@127.0.0.1:9" in everything


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"id": "x"}, 422),
        ({"id": "bad id", "url": "a.mp4"}, 422),
        ({"id": "x", "url": "a.mp4", "colour": "red"}, 422),
    ],
)
def test_malformed_cameras_are_refused(
    client: TestClient, body: dict[str, str], status: int
) -> None:
    assert client.post("/api/cameras", json=body).status_code == status
    assert client.get("/api/cameras").json() == []


def test_duplicate_ids_conflict(client: TestClient, square_clip: Path) -> None:
    body = {"id": "dup", "url": str(square_clip), "enabled": False}
    assert client.post("/api/cameras", json=body).status_code == 201
    assert client.post("/api/cameras", json=body).status_code == 409


def test_patch_refuses_unknown_fields(client: TestClient, square_clip: Path) -> None:
    client.post("/api/cameras", json={"id": "c", "url": str(square_clip), "enabled": False})
    assert client.patch("/api/cameras/c", json={"colour": "red"}).status_code == 422
    assert client.patch("/api/cameras/c", json={"fps_cap": -1}).status_code == 422


def test_patch_with_a_name_used_twice_is_a_clear_422(client: TestClient, square_clip: Path) -> None:
    client.post("/api/cameras", json={"id": "c", "url": str(square_clip), "enabled": False})
    line = {"name": "door", "points": [[0, 0], [10, 10]]}
    refused = client.patch("/api/cameras/c", json={"lines": [line, line]})
    assert refused.status_code == 422
    assert "door" in refused.text and "twice" in refused.text


def test_detector_tracker_and_reconnect_settings_show_and_change(
    client: TestClient, square_clip: Path
) -> None:
    created = client.post("/api/cameras", json={"id": "c", "url": str(square_clip), "loop": True})
    assert created.json()["detector"] is None and created.json()["tracker"] is None
    assert created.json()["reconnect"]["backoff_max_s"] == 10
    _state_becomes(client, "c", "streaming")
    before = time.time()

    changes: dict[str, dict[str, Any]] = {
        "detector": {"model": "coco-yolov3-tiny", "conf": 0.4, "classes": ["square"]},
        "tracker": {"name": "bytetrack", "lost_timeout_s": 1.5},
        "reconnect": {"backoff_initial_s": 1, "backoff_max_s": 30},
    }
    patched = client.patch("/api/cameras/c", json=changes)
    assert patched.status_code == 200, patched.text
    for name, setting in changes.items():
        for key, value in setting.items():
            assert patched.json()[name][key] == value, (name, key)
    # the running camera restarted its pipeline with them
    _state_becomes(client, "c", "streaming")
    assert client.get("/api/cameras/c").json()["health"]["since"] >= before
    assert client.get("/api/cameras/c").json() | {"health": None} == patched.json() | {
        "health": None,
        "state": "streaming",
    }

    reset = client.patch("/api/cameras/c", json={"detector": None, "reconnect": None})
    assert reset.json()["detector"] is None
    assert reset.json()["reconnect"]["backoff_max_s"] == 10
    assert reset.json()["tracker"]["name"] == "bytetrack"
    refused = client.patch("/api/cameras/c", json={"tracker": {"name": "magic"}})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][:3] == ["body", "tracker", "name"]

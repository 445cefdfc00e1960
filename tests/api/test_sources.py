"""What an API client may make the server open (``sources``), through the running app."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from config import AppConfig
from service import build_service
from tests.api.conftest import ServiceFactory
from tests.servers.http_recorder import RecordingHttpServer
from tests.servers.rtsp import RtspCamera
from tests.waiting import wait_until


@pytest.fixture
def media(tmp_path: Path, square_clip: Path) -> Path:
    """A media root holding a copy of the square clip."""
    root = tmp_path / "media"
    root.mkdir()
    shutil.copy(square_clip, root / "square.mp4")
    return root


@pytest.fixture
def strict(make_service: ServiceFactory, media: Path) -> Iterator[TestClient]:
    """A service with one media root, one model root and no private networks."""
    (media.parent / "models").mkdir()
    sources = {"media_roots": [str(media)], "model_roots": [str(media.parent / "models")]}
    with TestClient(create_app(make_service(sources=sources))) as client:
        yield client


def _refused(client: TestClient, body: dict[str, Any], setting: str) -> str:
    """POST ``body``: a 400 that names ``setting``, and no camera saved."""
    response = client.post("/api/cameras", json=body)
    assert response.status_code == 400, response.text
    detail: str = response.json()["detail"]
    assert setting in detail
    assert client.get(f"/api/cameras/{body['id']}").status_code == 404
    return detail


def test_a_file_camera_under_a_media_root_streams(strict: TestClient, media: Path) -> None:
    body = {"id": "ok", "url": str(media / "square.mp4"), "loop": True}
    assert strict.post("/api/cameras", json=body).status_code == 201
    wait_until(lambda: strict.get("/api/cameras/ok").json()["state"] == "streaming", 15, 0.1)


def test_files_outside_the_media_roots_are_refused(
    strict: TestClient, media: Path, square_clip: Path
) -> None:
    (media / "escape.mp4").symlink_to(square_clip)
    (media / "passwd").symlink_to("/etc/passwd")
    for url in (
        str(square_clip),
        "/etc/passwd",
        str(media / "escape.mp4"),
        str(media / "passwd"),
        f"file:{square_clip}",
        f"{media}/../{square_clip.name}",
    ):
        _refused(strict, {"id": "f", "url": url}, "sources.media_roots")


def test_patching_a_camera_to_an_outside_file_changes_nothing(
    strict: TestClient, media: Path
) -> None:
    inside = str(media / "square.mp4")
    assert strict.post("/api/cameras", json={"id": "c", "url": inside}).status_code == 201
    patched = strict.patch("/api/cameras/c", json={"url": "/etc/passwd"})
    assert patched.status_code == 400 and "sources.media_roots" in patched.json()["detail"]
    assert strict.get("/api/cameras/c").json()["url"] == inside


def test_a_url_that_would_make_ffmpeg_listen_is_refused(strict: TestClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    body = {"id": "l", "url": f"tcp://127.0.0.1:{port}?listen=1"}
    assert strict.post("/api/cameras", json=body).status_code in (400, 422)
    assert strict.get("/api/cameras/l").status_code == 404
    with socket.socket() as client, pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", port))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_local_http_services_are_never_contacted(strict: TestClient, host: str) -> None:
    with RecordingHttpServer() as service:
        url = f"http://{host}:{service.port}/admin"
        _refused(strict, {"id": "h", "url": url}, "sources.private_networks")
        _refused(strict, {"id": "h", "url": url, "enabled": False}, "sources.private_networks")
    assert service.requests == []


def test_a_model_outside_the_model_roots_gets_one_answer_whether_or_not_it_exists(
    strict: TestClient, media: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "weights.pt"
    existing.write_bytes(b"not really weights")
    answers = []
    for spec in (existing, tmp_path / "missing.pt"):
        detector = {"model": str(spec)}
        body = {"id": "m", "url": str(media / "square.mp4"), "detector": detector}
        detail = _refused(strict, body, "sources.model_roots")
        answers.append(detail.replace(str(spec), "SPEC"))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("name", ["notes.txt", "weights.pt"])
def test_a_file_under_a_model_root_that_is_no_model_is_a_400(
    tmp_path: Path, media: Path, name: str
) -> None:
    """With the real model loader: the file is opened, fails, and nothing is saved."""
    models = tmp_path / "models"
    models.mkdir()
    (models / name).write_text("root:x:0:0:root:/root:/bin/bash\n")
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "auth": {"open": True, "hosts": ["testserver"]},
            "sources": {"media_roots": [str(media)], "model_roots": [str(models)]},
        }
    )
    with TestClient(create_app(build_service(config))) as client:
        body = {
            "id": "m",
            "url": str(media / "square.mp4"),
            "detector": {"model": str(models / name)},
        }
        response = client.post("/api/cameras", json=body)
        assert response.status_code == 400, response.text
        assert "cannot load model" in response.json()["detail"]
        assert client.get("/api/cameras/m").status_code == 404


def test_with_private_networks_a_local_rtsp_camera_streams(
    make_service: ServiceFactory, rtsp_camera: RtspCamera
) -> None:
    service = make_service(sources={"private_networks": True})
    with TestClient(create_app(service)) as client:
        assert client.post("/api/cameras", json={"id": "r", "url": rtsp_camera.url}).status_code
        wait_until(lambda: client.get("/api/cameras/r").json()["state"] == "streaming", 20, 0.2)


def test_config_cameras_the_policy_refuses_fail_while_the_others_stream(
    make_service: ServiceFactory, media: Path, square_clip: Path
) -> None:
    with RecordingHttpServer() as internal:
        cameras = [
            {"id": "inside", "url": str(media / "square.mp4"), "loop": True},
            {"id": "outside", "url": str(square_clip), "loop": True},
            {"id": "internal", "url": internal.url},
        ]
        service = make_service(sources={"media_roots": [str(media)]}, cameras=cameras)
        with TestClient(create_app(service)) as client:

            def state(camera_id: str) -> str:
                state: str = client.get(f"/api/cameras/{camera_id}").json()["state"]
                return state

            def analysed(camera_id: str) -> int:
                count: int = client.get(f"/api/cameras/{camera_id}").json()["health"][
                    "frames_analysed"
                ]
                return count

            wait_until(lambda: state("outside") == "failed" and state("internal") == "failed", 15)
            wait_until(lambda: analysed("inside") > 0, 15, 0.1)
            health = {c["id"]: c["health"] for c in client.get("/api/cameras").json()}
    assert "sources.media_roots" in health["outside"]["last_error"]
    assert "sources.private_networks" in health["internal"]["last_error"]
    assert health["inside"]["state"] == "streaming"
    assert internal.requests == []

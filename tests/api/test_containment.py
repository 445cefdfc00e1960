"""A failure stays in its camera: through the running service, a camera whose analysis step or
decoding thread fails shows ``failed`` with the error, while the others keep analysing and
storing events and /readyz stays 200 (a failed camera is not a dead thread).

Hostile settings are built with ``model_construct``: validation refuses many of them, but it is
not the only defence, and the runtime must survive whatever reaches it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from config import CameraConfig, ReconnectConfig
from outputs import FrameResult
from runtime.cameras import CameraRuntime
from service import Service
from tests.api.conftest import ServiceFactory
from tests.waiting import wait_until

STREAMING = ("a", "b")


@pytest.fixture
def running(
    make_service: ServiceFactory, square_clip: Path
) -> Iterator[tuple[TestClient, Service]]:
    """Two looping file cameras streaming, events stored within 50 ms."""
    service = make_service(
        tracker={"lost_timeout_s": 0.3},
        storage={"flush_interval_ms": 50},
        cameras=[{"id": c, "url": str(square_clip), "loop": True} for c in STREAMING],
    )
    with TestClient(create_app(service)) as client:
        wait_until(lambda: all(_analysed(client, c) > 0 for c in STREAMING), 60, step_s=0.1)
        yield client, service


def _camera(client: TestClient, camera_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/cameras/{camera_id}").json()
    return body


def _analysed(client: TestClient, camera_id: str) -> int:
    count: int = _camera(client, camera_id)["health"]["frames_analysed"]
    return count


def _newest_event(client: TestClient, camera_id: str) -> int:
    events = client.get("/api/events", params={"camera": camera_id, "limit": 1000}).json()
    return max((e["seq"] for e in events["events"]), default=0)


def _others_go_on(client: TestClient) -> None:
    """Both streaming cameras analyse more frames and store new events."""
    analysed = {c: _analysed(client, c) for c in STREAMING}
    newest = {c: _newest_event(client, c) for c in STREAMING}

    def moved_on() -> bool:
        return all(
            _analysed(client, c) >= analysed[c] + 20 and _newest_event(client, c) > newest[c]
            for c in STREAMING
        )

    wait_until(moved_on, timeout_s=60, step_s=0.2)
    assert all(_camera(client, c)["state"] == "streaming" for c in STREAMING)


def _failed_with(client: TestClient, camera_id: str, error: str) -> dict[str, Any]:
    wait_until(lambda: _camera(client, camera_id)["state"] == "failed", timeout_s=60, step_s=0.1)
    camera = _camera(client, camera_id)
    assert error in camera["health"]["last_error"], camera
    return camera


def _metric(client: TestClient, name: str, **labels: str) -> float:
    selector = ",".join(f'{k}="{v}"' for k, v in labels.items())
    line = re.search(
        rf"^{name}{{{re.escape(selector)}}} (\S+)$" if labels else rf"^{name} (\S+)$",
        client.get("/metrics").text,
        re.MULTILINE,
    )
    assert line, f"{name}{{{selector}}} not in /metrics"
    return float(line.group(1))


def test_a_camera_whose_tracker_cannot_be_built_fails_alone(
    running: tuple[TestClient, Service], square_clip: Path
) -> None:
    client, service = running
    # 1/fps_cap overflows to inf: the tracker would be built for 0 fps and refuses
    hostile = CameraConfig.model_construct(
        id="hostile", url=str(square_clip), loop=True, fps_cap=1e-310
    )
    service.cameras.create(hostile)

    camera = _failed_with(client, "hostile", "creating the tracker failed: ValueError")
    assert "re-enable the camera" in camera["health"]["last_error"]
    assert camera["health"]["frames_analysed"] == 0
    _others_go_on(client)
    assert client.get("/readyz").status_code == 200
    assert _metric(client, "trackcast_camera_failed", camera="hostile") == 1
    assert _metric(client, "trackcast_camera_analysis_errors_total", camera="hostile") == 1
    assert _metric(client, "trackcast_thread_alive", thread="detector-0") == 1

    # the camera stays failed until it is changed; a change builds it anew
    changed = client.patch("/api/cameras/hostile", json={"fps_cap": 5})
    assert changed.status_code == 200
    wait_until(lambda: _analysed(client, "hostile") > 0, timeout_s=60, step_s=0.1)
    assert _camera(client, "hostile")["state"] == "streaming"


def test_a_viewer_callback_that_raises_fails_only_its_camera(
    running: tuple[TestClient, Service], square_clip: Path
) -> None:
    client, service = running
    service.cameras.create(CameraConfig(id="watched", url=str(square_clip), loop=True))

    def broken_viewer() -> None:
        raise RuntimeError("injected viewer fault")

    service.runtime.subscribe("watched", on_put=broken_viewer)
    _failed_with(client, "watched", "publishing to viewers failed: RuntimeError")
    _others_go_on(client)
    assert client.get("/readyz").status_code == 200
    # the broken viewer is still subscribed (its callback raises on close too): removing the
    # camera goes through all the same
    assert client.delete("/api/cameras/watched").status_code == 204


def test_an_analyser_that_raises_fails_only_its_camera(
    running: tuple[TestClient, Service], square_clip: Path
) -> None:
    client, service = running
    service.cameras.create(CameraConfig(id="counted", url=str(square_clip), loop=True))
    runtime = service.runtime
    assert isinstance(runtime, CameraRuntime)  # a single-process service
    analyser = runtime.analysers("counted")[0]

    def broken_update(result: FrameResult) -> None:
        raise ZeroDivisionError("injected analyser fault")

    analyser.update = broken_update  # type: ignore[method-assign]
    _failed_with(client, "counted", "analysing failed: ZeroDivisionError: injected")
    _others_go_on(client)
    assert client.get("/readyz").status_code == 200


def test_a_decoder_error_fails_the_camera_and_retries_with_its_thread_alive(
    running: tuple[TestClient, Service], tmp_path: Path
) -> None:
    client, service = running
    # the OS refuses a name this long: an OSError, not a SourceError
    too_long = str(tmp_path / ("x" * 5000 + ".mp4"))
    quick = ReconnectConfig(backoff_initial_s=0.05, backoff_max_s=0.2)
    service.cameras.create(CameraConfig.model_construct(id="long", url=too_long, reconnect=quick))

    camera = _failed_with(client, "long", "unexpected error: OSError")
    assert len(camera["health"]["last_error"]) < 400  # the 5000-character path is cut
    wait_until(
        lambda: _camera(client, "long")["health"]["reconnects"] >= 3, timeout_s=60, step_s=0.1
    )
    assert _camera(client, "long")["state"] in ("failed", "connecting")
    assert _metric(client, "trackcast_thread_alive", thread="camera-long") == 1
    _others_go_on(client)
    assert client.get("/readyz").status_code == 200


def test_a_huge_backoff_is_clamped_instead_of_killing_the_thread(
    running: tuple[TestClient, Service],
) -> None:
    client, service = running
    endless = ReconnectConfig.model_construct(backoff_initial_s=1e300, backoff_max_s=1e300)
    unplugged = "/dev/video57"  # a webcam that may come back: the backoff path
    service.cameras.create(
        CameraConfig.model_construct(id="slow", url=unplugged, reconnect=endless)
    )
    wait_until(lambda: _camera(client, "slow")["state"] == "backoff", timeout_s=60, step_s=0.1)
    delay = re.search(r"retrying in ([0-9.]+) s", _camera(client, "slow")["health"]["last_error"])
    assert delay and 0 < float(delay.group(1)) <= 300
    assert _metric(client, "trackcast_thread_alive", thread="camera-slow") == 1
    _others_go_on(client)
    assert client.get("/readyz").status_code == 200

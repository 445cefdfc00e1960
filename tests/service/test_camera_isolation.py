"""Acceptance for issue 13, "failures stay in their camera": with two cameras streaming, a third
with each hostile setting leaves the others' analysed frame rate within 10 % and their events
flowing.

Two looping, real-time file cameras run through the whole service (blob detector, SQLite). Each
one's analysed rate is measured as a ratio to its own decoded rate (frames analysed / frames in)
over a window, first without the third camera and then with it, so that a busy machine slowing
everything alike does not count. Settings are built with ``model_construct``: they are what got
past validation on main, and validation is not the only defence.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from config import (
    AppConfig,
    CameraConfig,
    DetectorConfig,
    ReconnectConfig,
    TrackerConfig,
    ZoneConfig,
)
from config.motion import MotionConfig
from outputs import FrameResult
from runtime.cameras import CameraRuntime
from service import Service, build_service
from tests.blob_detector import BrightBlobDetector
from tests.sources import local_sources
from tests.waiting import wait_until

STREAMING = ("a", "b")
WINDOW_S = 5.0
"""About 50 frames per camera at 10 fps: one frame more or less is 2 %."""
KEPT = 0.9


@dataclass(frozen=True)
class Hostile:
    name: str
    camera: Callable[[Path, Path], CameraConfig]
    """(clip, a temp dir) -> the third camera, id ``hostile``."""
    expect: tuple[str, ...]
    """The states the third camera may show: it fails visibly, retries, or copes."""
    inject: Callable[[Service], None] | None = None
    """A fault injected into the running camera."""


def _camera(clip: Path, **fields: Any) -> CameraConfig:
    return CameraConfig.model_construct(id="hostile", url=str(clip), loop=True, **fields)


def _unplugged(initial_s: float, max_s: float) -> CameraConfig:
    """A missing webcam is retried with backoff: the backoff settings are used at once."""
    reconnect = ReconnectConfig.model_construct(backoff_initial_s=initial_s, backoff_max_s=max_s)
    return CameraConfig.model_construct(id="hostile", url="/dev/video57", reconnect=reconnect)


def _circle(points: int) -> tuple[tuple[float, float], ...]:
    return tuple(
        (
            160 + 100 * math.cos(2 * math.pi * i / points),
            120 + 100 * math.sin(2 * math.pi * i / points),
        )
        for i in range(points)
    )


def _raising_analyser(service: Service) -> None:
    def update(result: FrameResult) -> None:
        raise RuntimeError("injected analyser fault")

    runtime = service.runtime
    assert isinstance(runtime, CameraRuntime)  # a single-process service
    runtime.analysers("hostile")[0].update = update  # type: ignore[method-assign]


_NONESUCH: Any = "nonesuch"
"""A tracker name no factory knows."""

FAILED = ("failed",)
RETRIES = ("backoff", "connecting")
FAILS_AND_RETRIES = ("failed", "connecting")
COPES = ("streaming",)

HOSTILE = [
    Hostile("fps_cap 1e-310", lambda clip, _: _camera(clip, fps_cap=1e-310), FAILED),
    Hostile("fps_cap 5e-324", lambda clip, _: _camera(clip, fps_cap=5e-324), FAILED),
    Hostile("fps_cap inf", lambda clip, _: _camera(clip, fps_cap=math.inf), COPES),
    Hostile("backoff 1e300", lambda *_: _unplugged(1e300, 1e300), RETRIES),
    Hostile("backoff inf", lambda *_: _unplugged(math.inf, math.inf), RETRIES),
    Hostile("backoff 5e-324", lambda *_: _unplugged(5e-324, 5e-324), RETRIES),
    Hostile("path too long", lambda _, tmp: _camera(tmp / ("x" * 5000)), FAILS_AND_RETRIES),
    Hostile(
        "timeouts at the extremes",
        lambda clip, _: _camera(
            clip,
            reconnect=ReconnectConfig.model_construct(
                open_timeout_s=1e-300, read_timeout_s=1e300, stall_timeout_s=1e-300
            ),
        ),
        RETRIES,
    ),
    Hostile(
        "tracker lost_timeout 1e300",
        lambda clip, _: _camera(clip, tracker=TrackerConfig.model_construct(lost_timeout_s=1e300)),
        COPES,
    ),
    Hostile(
        "tracker that does not exist",
        lambda clip, _: _camera(clip, tracker=TrackerConfig.model_construct(name=_NONESUCH)),
        FAILED,
    ),
    Hostile(
        "motion frame_height 0",
        lambda clip, _: _camera(clip, motion=MotionConfig.model_construct(frame_height=0)),
        COPES,
    ),
    Hostile(
        "zone with NaN corners",
        lambda clip, _: _camera(
            clip,
            zones=(
                ZoneConfig.model_construct(
                    name="nan", polygon=((math.nan, 0.0), (10.0, math.nan), (0.0, 10.0))
                ),
            ),
        ),
        COPES,
    ),
    Hostile(
        "zone of 100,000 points",
        lambda clip, _: _camera(
            clip,  # past validation's 100-point cap: the runtime must cope anyway
            zones=(ZoneConfig.model_construct(name="z", polygon=_circle(100_000)),),
        ),
        COPES,
    ),
    Hostile(
        "imgsz 64000 (a detector of its own)",
        lambda clip, _: _camera(clip, detector=DetectorConfig.model_construct(imgsz=64000)),
        COPES,
    ),
    Hostile("an analyser that raises", lambda clip, _: _camera(clip), FAILED, _raising_analyser),
]


@pytest.fixture(scope="module")
def streaming(
    square_clip: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Service]]:
    """Cameras ``a`` and ``b`` analyse every frame (no motion gate: the ratio is then ~1) and
    emit events every 2 s loop (the square's track ends 0.3 s after it jumps back)."""
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path_factory.mktemp("data")),
            "auth": {"open": True, "hosts": ["testserver"]},
            # every test temp dir: the hostile cases put their files in their own
            "sources": local_sources(tmp_path_factory.getbasetemp()).model_dump(),
            "tracker": {"lost_timeout_s": 0.3},
            "storage": {"flush_interval_ms": 50},
            "cameras": [
                {"id": c, "url": str(square_clip), "loop": True, "motion": {"enabled": False}}
                for c in STREAMING
            ],
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with TestClient(create_app(service)) as client:
        wait_until(lambda: all(_counts(client, c)[1] > 0 for c in STREAMING), 60, step_s=0.1)
        yield client, service


def _counts(client: TestClient, camera_id: str) -> tuple[int, int]:
    """(frames decoded, frames analysed)."""
    health = client.get(f"/api/cameras/{camera_id}").json()["health"]
    return health["frames_in"], health["frames_analysed"]


def _ratios(client: TestClient) -> dict[str, float]:
    """Per streaming camera: frames analysed per frame decoded over ``WINDOW_S``."""
    before = {c: _counts(client, c) for c in STREAMING}
    time.sleep(WINDOW_S)  # a measuring window, not a wait for something to happen
    after = {c: _counts(client, c) for c in STREAMING}
    ratios = {}
    for camera_id in STREAMING:
        decoded = after[camera_id][0] - before[camera_id][0]
        analysed = after[camera_id][1] - before[camera_id][1]
        assert decoded > 0, f"camera {camera_id} decoded nothing in {WINDOW_S} s"
        ratios[camera_id] = analysed / decoded
    return ratios


def _newest_events(client: TestClient) -> dict[str, int]:
    newest = {}
    for camera_id in STREAMING:
        page = client.get("/api/events", params={"camera": camera_id, "limit": 1000}).json()
        newest[camera_id] = max((e["seq"] for e in page["events"]), default=0)
    return newest


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_a_hostile_third_camera_leaves_the_others_analysing(
    streaming: tuple[TestClient, Service], square_clip: Path, tmp_path: Path, hostile: Hostile
) -> None:
    client, service = streaming
    baseline = _ratios(client)
    service.cameras.create(hostile.camera(square_clip, tmp_path))
    try:
        if hostile.inject is not None:
            hostile.inject(service)
        newest = _newest_events(client)
        during = _ratios(client)
        for camera_id in STREAMING:
            assert during[camera_id] >= KEPT * baseline[camera_id], (baseline, during)
        wait_until(
            lambda: all(n > newest[c] for c, n in _newest_events(client).items()),
            timeout_s=60,
            step_s=0.2,
        )
        assert client.get("/readyz").status_code == 200, client.get("/readyz").text
        third = client.get("/api/cameras/hostile").json()
        assert third["state"] in hostile.expect, third
        if third["state"] != "streaming":
            assert third["health"]["last_error"], third  # never silent
    finally:
        service.cameras.delete("hostile")

"""Issue 17's acceptance for clips, through the whole service: a square crosses a line on a real
RTSP camera, and the crossing's clip, served over HTTP, covers pre_capture_s before it to
post_capture_s after, in the camera's own H.264."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import pytest

from api.app import create_app
from service import Service, build_service
from tests.blob_detector import BrightBlobDetector
from tests.servers.api_server import ApiServer
from tests.servers.rtsp import RtspCamera
from tests.service.conftest import SQUARE_FPS, door_config
from tests.waiting import wait_until

FPS = SQUARE_FPS
PRE_S, POST_S = 1.5, 1.0


@pytest.fixture
def service(square_camera: RtspCamera, tmp_path: Path) -> Iterator[tuple[ApiServer, Service]]:
    clips = {"pre_capture_s": PRE_S, "post_capture_s": POST_S}
    config = door_config(tmp_path, square_camera.url, clips=clips)
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        yield api, service


def _crossings(api: ApiServer) -> list[dict[str, object]]:
    response = httpx.get(f"{api.url}/api/events", params={"type": "line.crossed"}, timeout=10)
    events: list[dict[str, object]] = response.json()["events"]
    return events


def test_a_line_crossing_on_an_rtsp_camera_has_a_clip(
    service: tuple[ApiServer, Service], tmp_path: Path
) -> None:
    api, running = service
    # the first crossing may come before the ring holds pre_capture_s: take one after 4 s
    wait_until(lambda: len(_crossings(api)) >= 2, timeout_s=60, step_s=0.2)
    event = max(_crossings(api), key=lambda e: float(e["time"]))  # type: ignore[arg-type]
    event_id = str(event["id"])
    url = f"{api.url}/api/events/{event_id}/clip.mp4"
    wait_until(lambda: httpx.get(url, timeout=10).status_code == 200, timeout_s=30, step_s=0.2)

    status = running.runtime.clip_status("door", event_id)
    assert status is not None and status.clip is not None
    assert status.complete  # starts at or before the event's time minus pre_capture_s
    assert status.clip.start <= float(event["time"]) - PRE_S  # type: ignore[arg-type]

    body = httpx.get(url, timeout=10).content
    part = httpx.get(url, headers={"Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206 and part.content == body[100:200]
    clip = tmp_path / "crossing.mp4"
    clip.write_bytes(body)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = sum(1 for _ in container.decode(stream))
    span = round((PRE_S + POST_S) * FPS)
    assert span - 2 <= frames <= span + 5 + 2  # plus at most one GOP (5 frames) at the start

"""Continuous recording through the whole service on a real RTSP camera: segments on disk that
play, the recordings list, any stretch as an MP4 over HTTP (with range requests), and a full
disk that stops recording with a clear health message while the camera and its events go on."""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from api.app import create_app
from config import AppConfig
from service import Service, build_service
from tests.blob_detector import BrightBlobDetector
from tests.servers.api_server import ApiServer
from tests.servers.rtsp import RtspCamera
from tests.service.conftest import SQUARE_FPS, door_config
from tests.waiting import wait_until

FPS = SQUARE_FPS
GOP_S = 0.5  # write_moving_square_clip: a keyframe every 5 frames
SEGMENT_S = 2.0


def _config(tmp_path: Path, url: str, *, event_clips: bool = True) -> AppConfig:
    clips = {"enabled": event_clips, "max_ring_s": 3.0, "pre_capture_s": 1.0, "post_capture_s": 1.0}
    recording = {"enabled": True, "segment_s": SEGMENT_S}
    return door_config(tmp_path, url, clips=clips, recording=recording)


@contextlib.contextmanager
def _serve(config: AppConfig) -> Iterator[tuple[ApiServer, Service]]:
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        yield api, service


def _get(api: ApiServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{api.url}{path}", params=params, timeout=30)


def _segments(api: ApiServer) -> list[dict[str, Any]]:
    segments: list[dict[str, Any]] = _get(api, "/api/cameras/door/recordings").json()["segments"]
    return segments


def _frames(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        return sum(1 for _ in container.decode(stream))


def test_a_recorded_rtsp_camera_serves_any_stretch(
    square_camera: RtspCamera, tmp_path: Path
) -> None:
    with _serve(_config(tmp_path, square_camera.url)) as (api, _):
        wait_until(lambda: len(_segments(api)) >= 4, timeout_s=60, step_s=0.2)
        segments = _segments(api)
        folder = tmp_path / "data" / "recordings" / "door"
        # the first may start with the burst of a new connection
        for segment, following in itertools.pairwise(segments[1:4]):
            # cut at the first keyframe at least SEGMENT_S after its start (by arrival times,
            # which jitter: not its last frame's time plus 1/FPS), and kept to the millisecond
            length = following["start"] - segment["start"]
            assert SEGMENT_S - 0.002 <= length < SEGMENT_S + GOP_S + 0.5, length
            (path,) = folder.glob(f"{round(segment['start'] * 1000)}-*.mp4")
            assert path.stat().st_size == segment["bytes"]
            span = round((segment["end"] - segment["start"]) * FPS) + 1
            assert span - 2 <= _frames(path) <= span + 2  # frame count matches its span

        # from the second segment to now: recordings stitched with the ring
        since = segments[2]["start"] + 0.3
        until = time.time() - 0.2
        response = _get(api, "/api/cameras/door/clip.mp4", since=since, until=until)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "video/mp4"
        clip = tmp_path / "stretch.mp4"
        clip.write_bytes(response.content)
        frames = _frames(clip)
        span = (until - since) * FPS
        # starts at the keyframe at or before since (up to one GOP early), covers until
        assert span - 3 <= frames <= span + GOP_S * FPS + 3

        part = httpx.get(str(response.request.url), headers={"Range": "bytes=100-199"}, timeout=30)
        assert part.status_code == 206 and part.content == response.content[100:200]

        iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(segments[0]["start"] - 60))
        missing = _get(api, "/api/cameras/door/clip.mp4", since=iso, until=since)
        assert missing.status_code == 416
        assert "has video from" in missing.json()["detail"]
        too_long = _get(api, "/api/cameras/door/clip.mp4", since=since - 3601, until=since)
        assert too_long.status_code == 422
        unknown = _get(api, "/api/cameras/nope/clip.mp4", since=since, until=until)
        assert unknown.status_code == 404
        metrics = _get(api, "/metrics").text
        assert 'trackcast_camera_recording_segments{camera="door"}' in metrics
        assert 'trackcast_camera_recording_up{camera="door"} 1.0' in metrics


@contextlib.contextmanager
def _small_disk(path: Path, size: str) -> Iterator[None]:
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def _remount(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def _health(api: ApiServer) -> dict[str, Any]:
    health: dict[str, Any] = _get(api, "/api/cameras/door").json()["health"]
    return health


def _crossings(api: ApiServer) -> int:
    events = _get(api, "/api/events", type="line.crossed").json()["events"]
    return len(events)


def test_a_full_disk_stops_recording_and_nothing_else(
    square_camera: RtspCamera, tmp_path: Path
) -> None:
    recordings = tmp_path / "data" / "recordings"
    with _small_disk(recordings, "16k"), _serve(_config(tmp_path, square_camera.url)) as (api, _):
        wait_until(
            lambda: "No space left on device" in (_health(api)["recording"] or ""),
            timeout_s=90,
            step_s=0.2,
        )
        health = _health(api)
        assert health["recording"].startswith("recording stopped: ")
        assert health["state"] == "streaming"
        metrics = _get(api, "/metrics").text
        assert 'trackcast_camera_recording_up{camera="door"} 0.0' in metrics
        assert 'trackcast_camera_recording_write_errors_total{camera="door"} 0.0' not in metrics

        # the camera streams and its events (and their clips, elsewhere on disk) keep coming
        frames, crossings = health["frames_in"], _crossings(api)
        wait_until(lambda: _crossings(api) >= crossings + 2, timeout_s=60, step_s=0.2)
        assert _health(api)["frames_in"] > frames
        latest = _get(api, "/api/events", type="line.crossed").json()["events"][0]
        clip_url = f"/api/events/{latest['id']}/clip.mp4"
        wait_until(lambda: _get(api, clip_url).status_code == 200, timeout_s=30, step_s=0.2)

        # space comes back: recording resumes by itself
        before = len(_segments(api))
        _remount(recordings, "8m")
        wait_until(lambda: _health(api)["recording"] == "recording", timeout_s=60, step_s=0.2)
        wait_until(lambda: len(_segments(api)) >= before + 2, timeout_s=60, step_s=0.2)
        metrics = _get(api, "/metrics").text
        assert 'trackcast_camera_recording_up{camera="door"} 1.0' in metrics


def test_recording_without_event_clips(square_camera: RtspCamera, tmp_path: Path) -> None:
    """Event clips off, recording on: segments are written (from the ring kept for them), and
    events get no clip."""
    config = _config(tmp_path, square_camera.url, event_clips=False)
    with _serve(config) as (api, running):
        wait_until(lambda: len(_segments(api)) >= 1 and _crossings(api) >= 1, timeout_s=60)
        event = _get(api, "/api/events", type="line.crossed").json()["events"][0]
        time.sleep(1.5)  # past its post-capture time
        assert running.runtime.clip_status("door", event["id"]) is None
        assert _get(api, f"/api/events/{event['id']}/clip.mp4").status_code == 404
        assert not (tmp_path / "data" / "clips" / "door").exists()
        assert _health(api)["recording"] == "recording"

"""Issue 17's acceptance for encoded clips, through the whole service and real cameras:

- with privacy on for the tracked class, no 8x8 block of the tracked box in any frame of an
  event's clip matches the original frame (a camera with the same source and no privacy, whose
  clips are encoded too, matches in every block: the comparison itself works);
- an MJPEG camera (its stream cannot be remuxed) gets a playable H.264 clip of its events.

The RTSP camera films a still textured rectangle (see :func:`tests.api.test_privacy.scene`),
encoded losslessly, so the original is known at every position of every frame."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import httpx
import numpy as np
import pytest

from api.app import create_app
from config import AppConfig
from service import Service, build_service
from tests.api.test_privacy import BOX, HEIGHT, MATCH, WIDTH, block_differences, scene
from tests.blob_detector import BrightBlobDetector
from tests.servers.api_server import ApiServer
from tests.servers.rtsp import RtspCamera
from tests.sources import local_sources
from tests.waiting import wait_until

FPS = 10
PRE_S, POST_S = 1.0, 1.0


def write_still_clip(path: Path) -> None:
    """Two seconds of :func:`scene`, H.264 at constant quantizer 0 (lossless in YUV)."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "qp": "0", "g": "5", "bframes": "0"}
        for _ in range(2 * FPS):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(scene(), format="bgr24")))
        container.mux(stream.encode(None))


def original_frame(path: Path) -> np.ndarray:
    """What the camera sends, decoded: the unmasked source of every frame (they are all alike)."""
    with av.open(str(path)) as container:
        first = next(container.decode(video=0))
        return np.asarray(first.to_ndarray(format="bgr24"), dtype=np.uint8)


class _MjpegHandler(http.server.BaseHTTPRequestHandler):
    """An endless 10 fps MJPEG camera: a bright square moving across a dark picture."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        for index in range(100_000):
            image = np.full((240, 320, 3), 20, dtype=np.uint8)
            x = 20 + (8 * index) % 240
            image[80:140, x : x + 60] = 230
            _, jpeg = cv2.imencode(".jpg", image)
            header = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            try:
                self.wfile.write(header.encode() + jpeg.tobytes() + b"\r\n")
            except OSError:
                return
            time.sleep(1 / FPS)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def still_camera(tmp_path: Path) -> Iterator[tuple[RtspCamera, Path]]:
    clip = tmp_path / "still.mp4"
    write_still_clip(clip)
    camera = RtspCamera(clip)
    camera.start()
    try:
        yield camera, clip
    finally:
        camera.stop()


@pytest.fixture
def mjpeg_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _MjpegHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def serve(tmp_path: Path, cameras: list[dict[str, Any]]) -> tuple[ApiServer, Service]:
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "auth": {"open": True},
            "tracker": {"lost_timeout_s": 0.3},
            "storage": {"flush_interval_ms": 50},
            "sources": local_sources(tmp_path).model_dump(),
            "cameras": cameras,
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    return ApiServer(create_app(service)), service


def event_clip(api: ApiServer, camera: str, after: float, tmp_path: Path) -> tuple[Path, str]:
    """The clip of the camera's first stored event later than ``after`` (wall clock)."""
    found: list[dict[str, Any]] = []

    def look() -> bool:
        response = httpx.get(
            f"{api.url}/api/events", params={"camera": camera, "limit": 200}, timeout=10
        )
        found[:] = [e for e in response.json()["events"] if float(e["time"]) > after]
        return bool(found)

    wait_until(look, timeout_s=60, step_s=0.2)
    event = min(found, key=lambda e: float(e["time"]))
    url = f"{api.url}/api/events/{event['id']}/clip.mp4"
    wait_until(lambda: httpx.get(url, timeout=10).status_code == 200, timeout_s=60, step_s=0.2)
    path = tmp_path / f"{camera}-{event['id']}.mp4"
    path.write_bytes(httpx.get(url, timeout=10).content)
    return path, str(event["id"])


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        return [
            np.asarray(f.to_ndarray(format="bgr24"), dtype=np.uint8)
            for f in container.decode(stream)
        ]


def test_privacy_hides_the_tracked_box_in_every_frame_of_an_event_clip(
    still_camera: tuple[RtspCamera, Path], tmp_path: Path
) -> None:
    camera, source = still_camera
    clips = {"pre_capture_s": PRE_S, "post_capture_s": POST_S}
    api, service = serve(
        tmp_path,
        [
            {
                "id": "private",
                "url": camera.url,
                "privacy": {"classes": ["square"], "mode": "pixelate"},
                "clips": clips,  # source auto: privacy makes it encode the masked frames
                "recording": {"enabled": True, "segment_s": 2},  # the same encoded stream
            },
            {"id": "open", "url": camera.url, "clips": {**clips, "source": "encode"}},
        ],
    )
    original = original_frame(source)
    with api:
        for name, hidden in (("private", True), ("open", False)):
            path, event_id = event_clip(api, name, 0.0, tmp_path)  # its track.started
            status = service.runtime.clip_status(name, event_id)
            assert status is not None and status.clip is not None
            frames = decoded(path)
            assert len(frames) >= 5, (name, len(frames))
            for index, image in enumerate(frames):
                assert image.shape == original.shape  # 320x240: never enlarged
                diffs = block_differences(image, original, BOX)
                assert len(diffs) >= 100
                if hidden:
                    assert min(diffs) > MATCH, (name, index, min(diffs))
                else:
                    assert max(diffs) < MATCH, (name, index, max(diffs))
            metrics = httpx.get(f"{api.url}/metrics", timeout=10).text
            assert f'trackcast_camera_clip_encoded_frames_total{{camera="{name}"}}' in metrics
        # the private camera's recording segments are the masked frames too
        segments = tmp_path / "data" / "recordings" / "private"
        wait_until(lambda: any(segments.glob("*-*.mp4")), timeout_s=60, step_s=0.2)
        frames = decoded(next(segments.glob("*-*.mp4")))
        assert len(frames) >= 10
        for image in frames:
            assert min(block_differences(image, original, BOX)) > MATCH


def test_an_mjpeg_camera_gets_a_playable_clip(mjpeg_url: str, tmp_path: Path) -> None:
    api, service = serve(
        tmp_path,
        [
            {
                "id": "mjpeg",
                "url": mjpeg_url,
                "lines": [
                    {
                        "name": "middle",
                        "points": [[0.5, 0.0], [0.5, 1.0]],
                        "coordinates": "normalized",
                        "anchor": "center",
                    }
                ],
                "clips": {"pre_capture_s": PRE_S, "post_capture_s": POST_S},
            }
        ],
    )
    with api:
        wait_until(lambda: _streaming(service, "mjpeg"), timeout_s=60, step_s=0.2)
        after = time.time() + PRE_S + 1.0
        path, event_id = event_clip(api, "mjpeg", after, tmp_path)
        status = service.runtime.clip_status("mjpeg", event_id)
        assert status is not None and status.complete  # from pre_capture_s before the event
        frames = decoded(path)
        span = round((PRE_S + POST_S) * FPS)
        assert span - 4 <= len(frames) <= span + FPS + 2  # plus at most a second of GOP
        assert frames[0].shape == (240, 320, 3)
        assert any(f[80:140].max() > 180 for f in frames)  # the square is in the picture


def _streaming(service: Service, *cameras: str) -> bool:
    return all(service.runtime.status(c).health.state.value == "streaming" for c in cameras)

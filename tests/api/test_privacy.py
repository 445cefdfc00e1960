"""Privacy masking through the real app: with privacy on for the blob class, no 8x8 block of the
tracked box in a snapshot, an MJPEG frame, a WHEP video frame or an event thumbnail matches the
original frame, while detection, tracking and events still work on the original; with privacy
off, every block matches.

The camera films a still, textured bright rectangle (the detector's one object), encoded
losslessly, so the original frame is known exactly: it is :func:`scene`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import httpx
import numpy as np
import numpy.typing as npt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from events import Evidence
from restream.ice import IceSettings
from storage.thumbnails import MARGIN, encode
from tests.api.conftest import ServiceFactory
from tests.restream.whep_client import view
from tests.servers.api_server import ApiServer
from tests.waiting import wait_until

WIDTH, HEIGHT = 320, 240
BOX = (96, 64, 192, 176)
"""The textured rectangle (x1, y1, x2, y2): what the blob detector finds and the tracker tracks."""
BLOCK = 8
MATCH = 12.0
"""Mean absolute difference (grey levels) of an 8x8 block below which it matches the original."""

Image = npt.NDArray[np.uint8]


def scene() -> Image:
    """Dark background; the rectangle is an 8 px checkerboard of two bright greys (both above
    the detector's threshold): textured, as a person is, so hiding it changes every block."""
    image = np.full((HEIGHT, WIDTH, 3), 20, dtype=np.uint8)
    x1, y1, x2, y2 = BOX
    ys, xs = np.mgrid[y1:y2, x1:x2]
    image[y1:y2, x1:x2] = np.where(((xs // 8 + ys // 8) % 2 == 0)[..., None], 140, 250)
    return image


@pytest.fixture(scope="module")
def still_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("privacy") / "still.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv444p"
        stream.options = {"preset": "ultrafast", "qp": "0", "g": "5"}
        for _ in range(20):
            frame = av.VideoFrame.from_ndarray(scene(), format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.fixture
def server(make_service: ServiceFactory, still_clip: Path) -> Iterator[ApiServer]:
    camera = {"url": str(still_clip), "loop": True}
    corner = {"coordinates": "normalized", "polygon": [[0.8, 0.8], [1, 0.8], [1, 1], [0.8, 1]]}
    private = {"classes": ["square"], "mode": "pixelate", "zones": [corner]}
    app: FastAPI = create_app(
        make_service(
            cameras=[{"id": "open", **camera}, {"id": "private", **camera, "privacy": private}]
        )
    )
    app.state.webrtc_ice = IceSettings(("127.0.0.1",))  # loopback candidates for the WHEP viewer
    with ApiServer(app) as api:
        yield api


def block_differences(a: Image, b: Image, box: tuple[int, int, int, int]) -> list[float]:
    """Mean absolute grey difference of every 8x8 block of the image grid inside ``box``."""
    x1, y1, x2, y2 = box
    grey_a = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY).astype(np.int16)
    grey_b = cv2.cvtColor(b, cv2.COLOR_BGR2GRAY).astype(np.int16)
    return [
        float(
            np.abs(
                grey_a[y : y + BLOCK, x : x + BLOCK] - grey_b[y : y + BLOCK, x : x + BLOCK]
            ).mean()
        )
        for y in range(y1, y2 - BLOCK + 1, BLOCK)
        for x in range(x1, x2 - BLOCK + 1, BLOCK)
    ]


def decode(jpeg: bytes) -> Image:
    image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


def started(api: ApiServer, camera: str) -> dict[str, Any]:
    """The camera's first track.started event, once stored."""
    found: list[dict[str, Any]] = []

    def look() -> bool:
        params: dict[str, str | int] = {"camera": camera, "type": "track.started", "limit": 1}
        found[:] = httpx.get(f"{api.url}/api/events", params=params, timeout=10).json()["events"]
        return bool(found)

    wait_until(look, 60, step_s=0.2)
    return found[0]


def mjpeg_frame(api: ApiServer, camera: str) -> bytes:
    """The second JPEG of the camera's MJPEG stream without overlays (the first may predate
    the track)."""
    url = f"{api.url}/api/cameras/{camera}/mjpeg?overlay=false"
    buffer = b""
    jpegs: list[bytes] = []
    with httpx.Client(timeout=30) as client, client.stream("GET", url) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            buffer += chunk
            while (start := buffer.find(b"\xff\xd8")) >= 0 and (
                end := buffer.find(b"\xff\xd9", start)
            ) >= 0:
                jpegs.append(buffer[start : end + 2])
                buffer = buffer[end + 2 :]
            if len(jpegs) >= 2:
                return jpegs[1]
    raise AssertionError("the MJPEG stream ended early")


def thumbnail_pair(api: ApiServer, event: dict[str, Any]) -> tuple[Image, Image, tuple[int, ...]]:
    """The event's stored thumbnail, the thumbnail the original frame would give, and the box
    in the thumbnail's coordinates."""
    stored = httpx.get(f"{api.url}{event['thumbnail']}", timeout=10)
    assert stored.status_code == 200
    box = tuple(float(v) for v in event["data"]["box"])
    unmasked = decode(encode(Evidence(scene(), (box[0], box[1], box[2], box[3]))))
    pad_x, pad_y = (box[2] - box[0]) * MARGIN, (box[3] - box[1]) * MARGIN
    left, top = max(0, int(box[0] - pad_x)), max(0, int(box[1] - pad_y))
    inside = (
        int(np.ceil(box[0])) - left,
        int(np.ceil(box[1])) - top,
        int(box[2]) - left,
        int(box[3]) - top,
    )
    return decode(stored.content), unmasked, inside


def test_privacy_hides_every_block_of_the_tracked_box_in_every_output(server: ApiServer) -> None:
    original = scene()
    for camera, hidden in (("private", True), ("open", False)):
        event = started(server, camera)
        # the analysis saw the original frame: the track is the rectangle, of its class
        assert event["class_name"] == "square"
        assert np.allclose(event["data"]["box"], BOX, atol=2), event["data"]["box"]

        snapshot = httpx.get(
            f"{server.url}/api/cameras/{camera}/snapshot.jpg?overlay=false", timeout=10
        )
        assert snapshot.status_code == 200
        outputs = {
            "snapshot": (decode(snapshot.content), original, BOX),
            "mjpeg": (decode(mjpeg_frame(server, camera)), original, BOX),
            "whep": (
                asyncio.run(view(server.url, camera, frames=10)).frames[-1].image,
                original,
                BOX,
            ),
            "thumbnail": thumbnail_pair(server, event),
        }
        for name, (published, unmasked, box) in outputs.items():
            x1, y1, x2, y2 = (int(v) for v in box)
            diffs = block_differences(published, unmasked, (x1, y1, x2, y2))
            assert len(diffs) >= 100, (name, len(diffs))
            if hidden:
                assert min(diffs) > MATCH, (camera, name, min(diffs))
            else:
                assert max(diffs) < MATCH, (camera, name, max(diffs))
        # outside the padded box (and the zone) the private camera's frame is the original
        background = block_differences(outputs["snapshot"][0], original, (0, 0, WIDTH, 48))
        assert max(background) < MATCH
        # the static zone (the bottom-right fifth) is black on the private camera only
        for name, (published, _, _) in outputs.items():
            if name != "thumbnail":
                corner_mean = float(published[196:236, 260:316].mean())
                assert (corner_mean < 3) == hidden, (camera, name, corner_mean)


def test_privacy_shows_and_changes_through_the_camera_api(
    client: TestClient, still_clip: Path
) -> None:
    """POST and PATCH take ``privacy``, the camera shows it, the running camera restarts with it
    (its snapshots masked, then unmasked again after ``privacy: null``)."""
    created = client.post("/api/cameras", json={"id": "c", "url": str(still_clip), "loop": True})
    assert created.status_code == 201, created.text
    assert created.json()["privacy"]["classes"] == []

    def snapshot_hidden() -> bool | None:
        """True: every block of the box differs from the original; False: every one matches;
        None: neither (no frame yet, or one from before the restart)."""
        response = client.get("/api/cameras/c/snapshot.jpg?overlay=false")
        if response.status_code != 200:
            return None
        diffs = block_differences(decode(response.content), scene(), BOX)
        return True if min(diffs) > MATCH else False if max(diffs) < MATCH else None

    wait_until(lambda: snapshot_hidden() is False, 60, step_s=0.2)
    patched = client.patch("/api/cameras/c", json={"privacy": {"classes": ["square"]}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["privacy"]["classes"] == ["square"]
    assert patched.json()["privacy"]["mode"] == "pixelate"
    wait_until(lambda: snapshot_hidden() is True, 60, step_s=0.2)
    reset = client.patch("/api/cameras/c", json={"privacy": None})
    assert reset.json()["privacy"]["classes"] == []
    wait_until(lambda: snapshot_hidden() is False, 60, step_s=0.2)

"""Face masking through the real app: a camera films a real photograph of two faces
(ultralytics' bundled ``zidane.jpg``), the real MTCNN face detector finds them, and every 8x8
block of both faces in a snapshot and an MJPEG frame differs from the original frame; on the
same footage without ``privacy.faces`` every block matches. PATCH turns faces on and off."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import httpx
import numpy as np
import numpy.typing as npt
import pytest
import ultralytics
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.api.test_privacy import MATCH, block_differences, decode, mjpeg_frame
from tests.servers.api_server import ApiServer
from tests.waiting import wait_until

pytestmark = pytest.mark.model  # loads the real MTCNN face detector

Image = npt.NDArray[np.uint8]
WIDTH, HEIGHT = 640, 360
FACES = ((462, 56, 518, 136), (285, 138, 330, 208))
"""The two faces of the photograph at 640x360 (inside MTCNN's boxes, which it finds at 0.99+)."""


def photo() -> Image:
    path = Path(ultralytics.__file__).parent / "assets" / "zidane.jpg"
    image = cv2.imread(str(path))
    assert image is not None, path
    return np.asarray(
        cv2.resize(image, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA), dtype=np.uint8
    )


@pytest.fixture(scope="module")
def photo_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The photograph as a lossless still clip: the decoded frame is :func:`photo` exactly."""
    path = tmp_path_factory.mktemp("faces") / "faces.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv444p"
        stream.options = {"preset": "ultrafast", "qp": "0", "g": "5"}
        for _ in range(20):
            frame = av.VideoFrame.from_ndarray(photo(), format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.fixture
def server(make_service: ServiceFactory, photo_clip: Path) -> Iterator[ApiServer]:
    camera = {"url": str(photo_clip), "loop": True}
    private = {"faces": True, "mode": "black"}
    app: FastAPI = create_app(
        make_service(
            cameras=[{"id": "open", **camera}, {"id": "faces", **camera, "privacy": private}]
        )
    )
    with ApiServer(app) as api:
        yield api


def face_differences(published: Image) -> list[float]:
    original = photo()
    return [d for face in FACES for d in block_differences(published, original, face)]


def snapshot(url: str, camera: str) -> Image | None:
    response = httpx.get(f"{url}/api/cameras/{camera}/snapshot.jpg?overlay=false", timeout=10)
    return decode(response.content) if response.status_code == 200 else None


def test_faces_are_hidden_in_snapshots_and_mjpeg_only_where_faces_are_on(
    server: ApiServer,
) -> None:
    original = photo()
    for camera, hidden in (("faces", True), ("open", False)):
        frames: list[Image] = []

        def shown(camera: str = camera, frames: list[Image] = frames) -> bool:
            """A frame of the photograph (not the black one of a detector warming up)."""
            image = snapshot(server.url, camera)
            if image is None or float(image.mean()) < 10:
                return False
            frames[:] = [image]
            return True

        wait_until(shown, 60, step_s=0.2)
        outputs = {"snapshot": frames[0], "mjpeg": decode(mjpeg_frame(server, camera))}
        for name, published in outputs.items():
            diffs = face_differences(published)
            assert len(diffs) >= 80, (name, len(diffs))
            if hidden:
                assert min(diffs) > MATCH, (camera, name, min(diffs))
            else:
                assert max(diffs) < MATCH, (camera, name, max(diffs))
            # away from the faces (the top-left corner) the frame is the original
            assert max(block_differences(published, original, (0, 200, 200, 360))) < MATCH


def test_faces_turn_on_and_off_through_the_camera_api(client: TestClient, photo_clip: Path) -> None:
    created = client.post("/api/cameras", json={"id": "c", "url": str(photo_clip), "loop": True})
    assert created.status_code == 201, created.text
    assert created.json()["privacy"]["faces"] is False

    def faces_hidden() -> bool | None:
        """True: the faces' blocks differ from the original (pixelated: some uniform skin
        blocks stay close, so the median); False: every block matches; None: neither yet."""
        response = client.get("/api/cameras/c/snapshot.jpg?overlay=false")
        if response.status_code != 200:
            return None
        image = decode(response.content)
        if float(image.mean()) < 10:
            return None  # published black while the detector warms up
        diffs = face_differences(image)
        return True if np.median(diffs) > 2 * MATCH else False if max(diffs) < MATCH else None

    wait_until(lambda: faces_hidden() is False, 60, step_s=0.2)
    patched = client.patch("/api/cameras/c", json={"privacy": {"faces": True}})
    assert patched.status_code == 200, patched.text
    privacy = patched.json()["privacy"]
    assert (privacy["faces"], privacy["face_check_s"], privacy["face_scan_s"]) == (True, 1.0, 2.0)
    wait_until(lambda: faces_hidden() is True, 60, step_s=0.2)
    reset = client.patch("/api/cameras/c", json={"privacy": None})
    assert reset.json()["privacy"]["faces"] is False
    wait_until(lambda: faces_hidden() is False, 60, step_s=0.2)

"""Class filters, ignore masks and class-name checks in a real CameraRuntime: a looping file
camera and the bright-blob detector (class ``square``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from analytics.filters import DropReason
from config import AppConfig, CameraConfig, DetectorConfig
from detectors import Detector, UnknownClassError
from runtime.cameras import CameraRuntime
from tests.blob_detector import BrightBlobDetector
from tests.sources import UNRESTRICTED
from tests.waiting import wait_until

WIDTH, HEIGHT = 320, 240
IGNORED = (20, 20, 60, 60)
"""A 40 px square whose bottom centre (40, 60) lies in the ignore polygon."""
KEPT = (200, 150, 240, 190)
"""A 40 px square (2% of the frame) outside it."""
SMALL = (150, 40, 158, 48)
"""An 8 px square: 0.08% of the frame, below min_area."""
IGNORE_POLYGON = [[0, 0], [100, 0], [100, 100], [0, 100]]


def write_three_squares(path: Path, frames: int = 20) -> None:
    """An H.264 clip in which the three squares stand still on black."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(10))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "g": "5"}
        image = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
        for x1, y1, x2, y2 in (IGNORED, KEPT, SMALL):
            image[y1:y2, x1:x2] = 255
        for _ in range(frames):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))


@pytest.fixture
def three_squares(tmp_path: Path) -> Path:
    path = tmp_path / "three.mp4"
    write_three_squares(path)
    return path


@pytest.fixture
def runtimes() -> Iterator[list[CameraRuntime]]:
    created: list[CameraRuntime] = []
    yield created
    for runtime in created:
        assert runtime.stop(timeout_s=15)
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast")]
    assert leftovers == []


def blob_runtime(runtimes: list[CameraRuntime], **fields: Any) -> CameraRuntime:
    def factory(_: DetectorConfig) -> Detector:
        return BrightBlobDetector()

    runtime = CameraRuntime(AppConfig(sources=UNRESTRICTED, **fields), detector_factory=factory)
    runtimes.append(runtime)
    return runtime


def camera(url: Path, **fields: Any) -> CameraConfig:
    return CameraConfig.model_validate({"id": "yard", "url": str(url), "loop": True, **fields})


@pytest.mark.parametrize("where", ["camera", "service"])
def test_an_ignore_mask_and_a_min_area_leave_only_the_big_square_outside_to_track(
    three_squares: Path, runtimes: list[CameraRuntime], where: str
) -> None:
    filters = {"square": {"min_area": 0.002}}
    own = {"filters": filters} if where == "camera" else {}
    runtime = blob_runtime(runtimes, **({"filters": filters} if where == "service" else {}))
    runtime.add_camera(camera(three_squares, ignore=[{"polygon": IGNORE_POLYGON}], **own))
    slot = runtime.subscribe("yard")
    wait_until(lambda: runtime.status("yard").frames_analysed >= 10, timeout_s=30)
    result = slot.take(5.0)
    assert result is not None and result.analysed
    assert result.tracks.tracker_id is not None and len(result.tracks) == 1
    box = [float(v) for v in result.tracks.xyxy[0]]
    assert all(abs(got - want) < 4 for got, want in zip(box, KEPT, strict=True)), box
    dropped = runtime.status("yard").detections_filtered
    assert set(dropped) == {DropReason.MIN_AREA, DropReason.IGNORE}
    assert dropped[DropReason.IGNORE] == dropped[DropReason.MIN_AREA] >= 10  # one a frame each


def test_without_filters_all_three_squares_are_tracked(
    three_squares: Path, runtimes: list[CameraRuntime]
) -> None:
    runtime = blob_runtime(runtimes)
    runtime.add_camera(camera(three_squares))
    slot = runtime.subscribe("yard")
    wait_until(lambda: runtime.status("yard").frames_analysed >= 5, timeout_s=30)
    result = slot.take(5.0)
    assert result is not None and len(result.tracks) == 3
    assert runtime.status("yard").detections_filtered == {}


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"zones": [{"name": "pen", "polygon": IGNORE_POLYGON, "classes": ["sqare"]}]},
         "camera yard: zones.0.classes: 'sqare'"),
        ({"lines": [{"name": "l", "points": [[0, 0], [9, 9]], "classes": ["Square"]}]},
         "camera yard: lines.0.classes: 'Square'"),
        ({"ignore": [{"polygon": IGNORE_POLYGON, "classes": ["circle"]}]},
         "camera yard: ignore.0.classes: 'circle'"),
        ({"filters": {"sqare": {"min_area": 0.1}}}, "camera yard: filters.sqare: 'sqare'"),
    ],
)  # fmt: skip
def test_a_class_the_detector_never_reports_fails_the_camera_with_its_classes(
    three_squares: Path, runtimes: list[CameraRuntime], fields: dict[str, Any], where: str
) -> None:
    runtime = blob_runtime(runtimes)
    with pytest.raises(UnknownClassError) as raised:
        runtime.add_camera(camera(three_squares, **fields))
    assert str(raised.value).startswith(where)
    assert "(its classes: square; names are case-sensitive)" in str(raised.value)
    assert runtime.camera_ids() == [] and runtime.detector_workers() == []  # model released
    runtime.add_camera(camera(three_squares))  # the same detector loads again for a good one
    wait_until(lambda: runtime.status("yard").frames_analysed >= 1, timeout_s=30)


def test_the_services_filters_are_checked_for_each_camera_that_uses_them(
    three_squares: Path, runtimes: list[CameraRuntime]
) -> None:
    runtime = blob_runtime(runtimes, filters={"circle": {"min_score": 0.5}})
    with pytest.raises(UnknownClassError, match=r"camera yard: filters \(the service's\)\.circle"):
        runtime.add_camera(camera(three_squares))
    runtime.add_camera(camera(three_squares, filters={}))  # its own: none

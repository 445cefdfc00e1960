"""``trackcast dataset --camera``: a stretch of a recorded RTSP camera, fetched from a running
service over HTTP, tracked by the CLI with a real model and exported; the frames of the camera's
stored events are kept at the right place in the clip; bad requests end with one line, exit 2.

The camera plays vtest.avi (people, for the CLI's person model) with a black band on top in
which a white square crosses the middle line once per loop: the service's detector looks only at
the band, so its line-crossing events are known to be where the square crosses."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import numpy.typing as npt
import pytest
import supervision as sv
import yaml
from ultralytics import YOLO

from api.app import create_app
from config import AppConfig
from detectors.bundled import PERSON_YOLOV8S
from service import build_service
from tests.blob_detector import BrightBlobDetector
from tests.conftest import CliResult, run_cli
from tests.servers.api_server import ApiServer
from tests.servers.rtsp import RtspCamera, encode_camera_clip
from tests.sources import local_sources
from tests.waiting import wait_until

FPS = 10
FRAMES = 60  # a 6 s loop: the square crosses the middle once per loop
WIDTH, HEIGHT = 768, 576  # vtest's own size
BAND = 40
SIDE = 24
STEP = 12
VIEWER = "viewer-token-0123456789abcdef"


def square_x(index: int) -> int:
    return 10 + STEP * index


def stamp(image: npt.NDArray[np.uint8], index: int) -> None:
    image[:BAND] = 0
    x = square_x(index)
    image[8 : 8 + SIDE, x : x + SIDE] = 255


class Band(BrightBlobDetector):
    """Bright blobs in the top band only (vtest itself has bright areas below it)."""

    @property
    def class_names(self) -> Mapping[int, str]:
        return {0: "square"}

    def detect(self, frames: Sequence[npt.NDArray[np.uint8]]) -> list[sv.Detections]:
        return super().detect([np.ascontiguousarray(f[:BAND]) for f in frames])


@dataclass(frozen=True)
class Site:
    url: str
    since: float
    until: float
    crossing: float
    """When the square crossed the middle line (a stored event)."""


@pytest.fixture(scope="module")
def site(vtest: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("camera_dataset")
    clip = folder / "band.mp4"
    encode_camera_clip(vtest, clip, frames=FRAMES, gop=5, stamp=stamp)
    with RtspCamera(clip) as camera:
        service = build_service(_config(folder, camera.url), detector_factory=lambda _: Band())
        with ApiServer(create_app(service)) as api:
            headers = {"Authorization": f"Bearer {VIEWER}"}

            def crossings() -> list[float]:
                page = httpx.get(f"{api.url}/api/events", headers=headers, timeout=30).json()
                return [e["time"] for e in page["events"] if e["type"] == "line.crossed"]

            def recorded_since() -> float:
                response = httpx.get(
                    f"{api.url}/api/cameras/hall/recordings", headers=headers, timeout=30
                )
                segments = response.json()["segments"]
                return float(segments[1]["start"]) if len(segments) > 1 else float("inf")

            # an event at least a second into the second segment, and two seconds after it
            wait_until(
                lambda: any(t > recorded_since() + 1 for t in crossings()),
                timeout_s=90,
                step_s=0.3,
            )
            event = min(t for t in crossings() if t > recorded_since() + 1)
            wait_until(lambda: time.time() > event + 2.5, timeout_s=10)
            since = max(recorded_since() + 0.2, event - 3)
            yield Site(api.url, since, event + 2, event)


def _config(folder: Path, url: str) -> AppConfig:
    return AppConfig.model_validate(
        {
            "data_dir": str(folder / "data"),
            "auth": {"tokens": [{"token": VIEWER}]},
            "tracker": {"lost_timeout_s": 0.3},
            "storage": {"flush_interval_ms": 50},
            "sources": local_sources(folder).model_dump(),
            "cameras": [
                {
                    "id": "hall",
                    "url": url,
                    "lines": [
                        {
                            "name": "middle",
                            "points": [[0.5, 0.0], [0.5, 1.0]],
                            "coordinates": "normalized",
                            "anchor": "center",
                        }
                    ],
                    "recording": {"enabled": True, "segment_s": 2.0},
                }
            ],
        }
    )


def dataset(site: Site, out: Path, *extra: str, token: bool = True) -> CliResult:
    """The CLI in a subprocess; its token in TC_TOKEN (set by the test)."""
    args = [
        "dataset", "--service", site.url, "--camera", "hall",
        "--since", repr(site.since), "--until", repr(site.until), "--out", str(out), *extra,
    ]  # fmt: skip
    return run_cli([*args, "--token-env", "TC_TOKEN"] if token else args, timeout=600)


def one_line_error(result: CliResult) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    return line


def test_the_clip_says_where_it_starts_and_bad_requests_fail_in_one_line(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TC_TOKEN", VIEWER)
    response = httpx.get(
        f"{site.url}/api/cameras/hall/clip.mp4",
        params={"since": site.since, "until": site.until},
        headers={"Authorization": f"Bearer {VIEWER}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    start = float(response.headers["x-clip-start"])
    assert site.since - 0.5 - 0.3 <= start <= site.since  # the keyframe at or before since
    assert float(response.headers["x-clip-end"]) >= site.until - 1.0
    again = httpx.get(str(response.request.url), headers=response.request.headers, timeout=60)
    assert again.headers["x-clip-start"] == response.headers["x-clip-start"]  # from the cache

    missing = dataset(site, tmp_path / "a", token=False)
    assert "wants an API token (401)" in one_line_error(missing)
    late = replace_times(site, site.until + 3600, site.until + 3660)
    assert "no video of camera 'hall' for that stretch (416)" in one_line_error(
        dataset(late, tmp_path / "b")
    )
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    gone = Site(f"http://127.0.0.1:{port}", site.since, site.until, site.crossing)
    assert "cannot reach the service" in one_line_error(dataset(gone, tmp_path / "c"))
    too_long = replace_times(site, site.since - 4000, site.since)
    assert "at most 3600 s" in one_line_error(dataset(too_long, tmp_path / "d"))
    assert not any((tmp_path / name).exists() for name in "abcd")


def replace_times(site: Site, since: float, until: float) -> Site:
    return Site(site.url, since, until, site.crossing)


def test_a_camera_stretch_becomes_a_dataset_with_its_event_frames(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TC_TOKEN", VIEWER)
    out, tracks = tmp_path / "dataset", tmp_path / "tracks.jsonl"
    result = dataset(
        site, out, "--model", "person-yolov8s", "--backend", "torch", "--imgsz", "416",
        "--every", "2", "--camera-events", "--val-every", "1", "--jsonl", str(tracks),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    page = httpx.get(
        f"{site.url}/api/events",
        params={"camera": "hall", "since": site.since, "until": site.until},
        headers={"Authorization": f"Bearer {VIEWER}"},
        timeout=30,
    ).json()
    events = [e["time"] for e in page["events"]]
    assert f"{len(events)} stored events of camera 'hall'" in result.stdout

    records = {r["frame"]: r for r in map(json.loads, tracks.read_text().splitlines())}
    span = (site.until - site.since) * FPS
    assert span - 3 <= len(records) <= span + 0.5 * FPS + 3  # the stretch, from a keyframe
    labels = sorted((out / "labels" / "val").glob("*.txt"))
    expected = 0
    for label in labels:
        boxes = records[int(label.stem.removeprefix("frame_"))]["tracks"]
        assert len(label.read_text().splitlines()) == len(boxes)
        expected += len(boxes)
    assert expected > 0
    assert f"{expected} labels" in result.stdout

    # each event's frame is kept; in the crossing's, the square is on the middle line
    start = float(
        httpx.get(
            f"{site.url}/api/cameras/hall/clip.mp4",
            params={"since": site.since, "until": site.until},
            headers={"Authorization": f"Bearer {VIEWER}"},
            timeout=60,
        ).headers["x-clip-start"]
    )
    kept = {int(p.stem.removeprefix("frame_")) for p in (out / "images" / "val").glob("*.jpg")}

    def frame_at(wall_time: float) -> int:
        """The frame nearest the time: an event is stamped when its frame was decoded, a
        little after the frame's time in the clip (the first frame at or after it is the next)."""
        return int(min(records, key=lambda i: abs(records[i]["pts"] - (wall_time - start))))

    assert {frame_at(t) for t in events} <= kept
    image = cv2.imread(str(out / "images" / "val" / f"frame_{frame_at(site.crossing):06d}.jpg"))
    assert image is not None
    columns = np.flatnonzero((image[8 : 8 + SIDE] > 200).all(axis=2).any(axis=0))
    centre = (columns.min() + columns.max()) / 2
    assert abs(centre - WIDTH / 2) <= 2 * STEP + SIDE / 2, centre

    data: dict[str, Any] = yaml.safe_load((out / "data.yaml").read_text())
    assert data["names"] == {0: "person"}
    (weights,) = PERSON_YOLOV8S.locate()
    metrics = YOLO(str(weights)).val(
        data=str(out / "data.yaml"), imgsz=320, device="cpu", plots=False,
        workers=0, project=str(tmp_path), name="val", verbose=False,
    )  # fmt: skip
    assert metrics.box.map50 > 0

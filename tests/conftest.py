"""Shared fixtures: the real footage, generated clips, and a CLI runner; test tiers and the
timeout scale (tests/tiers.py, tests/waiting.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from detectors import DetectorOptions, load_detector
from runtime.calibration import calibration_frames
from tests.media import write_moving_square_clip
from tests.servers.rtsp import RtspCamera, encode_camera_clip
from tests.tier_guard import guard
from tests.tiers import Tier, tier_of
from tests.waiting import SCALE, scaled

ROOT = Path(__file__).resolve().parent.parent
VTEST = Path(os.environ.get("TRACKCAST_VTEST", ROOT / "data" / "vtest.avi"))
TIER = pytest.StashKey[Tier]()


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its tier, and stretch its time limit by the timeout scale."""
    default_timeout = float(config.getoption("timeout", None) or config.getini("timeout") or 0)
    for item in items:
        tier = tier_of(item)
        item.stash[TIER] = tier
        if item.get_closest_marker(tier.value) is None:
            item.add_marker(getattr(pytest.mark, tier.value))
        limit = item.get_closest_marker("timeout")
        timeout = float(limit.args[0]) if limit is not None and limit.args else default_timeout
        if timeout > 0:
            item.add_marker(pytest.mark.timeout(scaled(timeout)), append=False)


def pytest_report_header(config: pytest.Config) -> str:
    return f"timeout scale: {SCALE:.2f} (TRACKCAST_TEST_TIMEOUT_SCALE, else load per core)"


@pytest.fixture(autouse=True)
def tier_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a test's tier rules out (sockets and subprocesses in a unit test, a real model
    outside the model tier) fails it: see tests/tier_guard.py."""
    guard(request.node.stash.get(TIER, Tier.UNIT), monkeypatch)


@pytest.fixture(scope="session")
def vtest() -> Path:
    """data/vtest.avi from scripts/setup.sh. Missing footage fails the test; it never skips."""
    if not VTEST.is_file():
        pytest.fail(f"{VTEST} is missing: run scripts/setup.sh (it fetches Debian's opencv-doc)")
    return VTEST


MODEL_CACHE = ROOT / ".test-cache" / "models"
"""Exported models for the tests, kept between runs (a clean clone builds them once)."""


@pytest.fixture(scope="session", autouse=True)
def model_cache(request: pytest.FixtureRequest, vtest: Path) -> Iterator[Path]:
    """Every test exports into one cache, where person-yolov8s's INT8 model is calibrated on
    vtest.avi before any test runs: which test happens to load the model first (say, on a clip
    of white squares) must not decide how well every later one detects people. A run of unit
    tests only loads no model and skips this."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRACKCAST_CACHE_DIR", str(MODEL_CACHE))
        if all(item.stash.get(TIER, Tier.UNIT) is Tier.UNIT for item in request.session.items):
            yield MODEL_CACHE
            return
        for imgsz in (640, 320):  # the sizes the tests use (INT8 is calibrated per size)
            options = DetectorOptions(model="person-yolov8s", imgsz=imgsz, cache_dir=MODEL_CACHE)
            detector = load_detector(options)
            wanted = detector.calibration_frames_wanted
            if wanted:
                frames = calibration_frames(str(vtest), wanted)
                detector.prepare((frames[0].shape[0], frames[0].shape[1]), frames)
            detector.close()
        yield MODEL_CACHE


@pytest.fixture(scope="session")
def square_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s, 10 fps H.264 clip of a white square moving right on black."""
    path = tmp_path_factory.mktemp("media") / "square.mp4"
    write_moving_square_clip(path, frames=20)
    return path


CAMERA_CLIP_FRAMES = 100
"""10 s of vtest.avi at 10 fps, looped by the test RTSP server; an IDR every second."""


@pytest.fixture(scope="session")
def camera_clip(vtest: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The footage a test RTSP camera serves: H.264, 1 s GOP, cut from vtest.avi."""
    clip = tmp_path_factory.mktemp("camera") / "vtest-gop10.mp4"
    encode_camera_clip(vtest, clip, frames=CAMERA_CLIP_FRAMES)
    return clip


@pytest.fixture
def rtsp_camera(camera_clip: Path) -> Iterator[RtspCamera]:
    """A real RTSP server (Debian's GStreamer RTSP server) playing ``camera_clip`` in a loop."""
    camera = RtspCamera(camera_clip)
    camera.start()
    try:
        yield camera
    finally:
        camera.stop()


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(args: Sequence[str], timeout: float = 600) -> CliResult:
    """Run the installed ``trackcast`` entry point in a subprocess, as a user would."""
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("trackcast")), *args],
        capture_output=True,
        text=True,
        timeout=scaled(timeout),
        cwd=ROOT,
        check=False,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)

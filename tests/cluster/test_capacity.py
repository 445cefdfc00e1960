"""A node's camera capacity: the formula on hand-picked numbers, the measurement on the real
blob detector."""

from __future__ import annotations

import pytest

from cluster.capacity import (
    CapacityError,
    Workload,
    cameras_for,
    measure,
    synthetic_frame,
)
from config import AppConfig, CameraConfig
from tests.blob_detector import BrightBlobDetector


@pytest.mark.parametrize(
    ("seconds_per_frame", "workload", "cameras"),
    [
        (0.025, Workload(fps=10), 3),  # 0.8 / 0.25 = 3.2
        (0.02, Workload(fps=10), 4),  # 0.8 / 0.2 = 4 exactly, not 3.999...
        (0.02, Workload(fps=10, motion_duty=0.5), 8),  # the detector on half the frames
        (0.02, Workload(fps=5, utilisation=1.0), 10),
        (0.5, Workload(fps=10), 0),  # one camera needs 5 s of detection per second
    ],
)
def test_cameras_are_the_usable_second_over_each_cameras_detection_time(
    seconds_per_frame: float, workload: Workload, cameras: int
) -> None:
    assert cameras_for(seconds_per_frame, workload) == cameras


def _camera(camera_id: str, fps_cap: float | None, enabled: bool = True) -> CameraConfig:
    return CameraConfig(
        id=camera_id, url=f"rtsp://cam/{camera_id}", fps_cap=fps_cap, enabled=enabled
    )


def test_the_workload_is_the_busiest_enabled_camera() -> None:
    config = AppConfig(
        cameras=(_camera("a", 5), _camera("b", 12.5), _camera("off", 30, enabled=False))
    )
    assert Workload.of(config).fps == 12.5
    uncapped = AppConfig(cameras=(_camera("a", 5), _camera("b", None)))
    assert Workload.of(uncapped, default_fps=15).fps == 15
    assert Workload.of(AppConfig(), default_fps=7).fps == 7  # no cameras yet


@pytest.mark.parametrize(
    "settings",
    [{"fps": 0}, {"fps": 10, "motion_duty": 0}, {"fps": 10, "utilisation": 1.5}],
)
def test_impossible_workloads_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(CapacityError):
        Workload(**settings)


def test_a_frame_that_takes_no_time_is_refused() -> None:
    with pytest.raises(CapacityError, match="some time"):
        cameras_for(0.0, Workload(fps=10))


def test_measuring_times_batches_of_the_given_size_after_warm_up() -> None:
    detector = BrightBlobDetector()
    measured = measure(detector, (72, 128), batch_size=3, runs=4, warmup=2)
    assert detector.batches == [3] * 6  # 2 warm-up batches, then 4 timed ones
    assert measured.batch_size == 3
    assert measured.frame_size == (72, 128)
    assert measured.detector == "BrightBlobDetector"
    assert 0 < measured.seconds_per_frame < 1
    assert cameras_for(measured.seconds_per_frame, Workload(fps=1)) >= 1


def test_the_synthetic_frame_has_the_asked_size_and_is_the_same_each_time() -> None:
    frame = synthetic_frame((72, 128))
    assert frame.shape == (72, 128, 3)
    assert (frame == synthetic_frame((72, 128))).all()
    assert frame.std() > 50  # noise, not a flat picture

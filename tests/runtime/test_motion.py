"""MotionDetector on generated scenes with sensor-like noise, and on the real footage."""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import supervision as sv
from pydantic import ValidationError

from config.motion import MotionConfig
from runtime.motion import Image, MotionDetector

WIDTH, HEIGHT = 1280, 720
SIDE = 96
"""The moving square's side in full-frame pixels."""
CELL = 24
"""Its checkerboard cell: moving one cell per frame inverts the texture under the overlap."""
NOISE_MARGIN = 64


def scene(seed: int = 0, width: int = WIDTH, height: int = HEIGHT) -> Image:
    """A textured, mid-grey background: blurred noise, like a wall or a road."""
    rng = np.random.default_rng(seed)
    texture = rng.integers(40, 140, (height // 8, width // 8, 3), dtype=np.uint8)
    return np.asarray(cv2.GaussianBlur(cv2.resize(texture, (width, height)), (9, 9), 0), np.uint8)


@functools.cache
def _noise_field(height: int, width: int, channels: int, sigma: float) -> npt.NDArray[np.int16]:
    """Gaussian noise in 2x2 blocks (compression noise is blocky), a margin larger than a frame."""
    rng = np.random.default_rng(round(sigma * 1000))
    field = rng.normal(
        0, sigma, ((height + NOISE_MARGIN) // 2, (width + NOISE_MARGIN) // 2, channels)
    )
    blocks: npt.NDArray[np.int16] = field.round().astype(np.int16).repeat(2, 0).repeat(2, 1)
    return blocks


def noisy(image: Image, rng: np.random.Generator, sigma: float = 5.0) -> Image:
    """``image`` plus noise: a window of the noise field at a random offset, new every call.

    Sums below 0 are reflected (``convertScaleAbs``), which the scenes here (40 and up) never reach.
    """
    height, width = image.shape[:2]
    field = _noise_field(height, width, image.shape[2] if image.ndim == 3 else 1, sigma)
    dy, dx = rng.integers(0, NOISE_MARGIN, 2)
    noise = field[dy : dy + height, dx : dx + width].reshape(image.shape)
    return np.asarray(cv2.convertScaleAbs(cv2.add(image, noise, dtype=cv2.CV_16S)), np.uint8)


def with_square(background: Image, x: int, y: int) -> Image:
    """``background`` with a bright checkerboard square whose top-left corner is (x, y)."""
    image = background.copy()
    cells = (np.indices((SIDE, SIDE)) // CELL).sum(axis=0) % 2
    image[y : y + SIDE, x : x + SIDE] = np.where(cells[..., None] == 1, 250, 170)
    return image


def square_box(x: int, y: int) -> npt.NDArray[np.float32]:
    return np.array([[x, y, x + SIDE, y + SIDE]], np.float32)


def covered(region: npt.NDArray[np.float32], box: npt.NDArray[np.float32]) -> float:
    """Fraction of ``box`` inside ``region`` (both xyxy)."""
    low, high = np.maximum(region[:2], box[:2]), np.minimum(region[2:], box[2:])
    inside = float(np.prod(np.clip(high - low, 0, None)))
    return inside / float(np.prod(box[2:] - box[:2]))


def test_the_first_frame_is_motion_over_the_whole_frame() -> None:
    motion = MotionDetector().update(scene())

    assert motion.moving and motion.reseeded
    np.testing.assert_array_equal(motion.regions, [[0, 0, WIDTH, HEIGHT]])


def test_noise_on_a_still_scene_is_not_motion() -> None:
    rng, background, detector = np.random.default_rng(1), scene(), MotionDetector()
    detector.update(noisy(background, rng))

    motions = [detector.update(noisy(background, rng, sigma=8.0)) for _ in range(30)]

    assert not any(m.moving for m in motions)
    assert max(m.area_fraction for m in motions) == 0


def test_a_square_that_starts_moving_is_found_where_it_is() -> None:
    rng, background, detector = np.random.default_rng(2), scene(), MotionDetector()
    resting = with_square(background, 400, 300)
    assert detector.update(noisy(resting, rng)).reseeded
    assert not any(detector.update(noisy(resting, rng)).moving for _ in range(9))

    start = detector.update(noisy(with_square(background, 400 + CELL, 300), rng))

    assert start.moving and not start.reseeded
    assert len(start.regions) == 1
    assert covered(start.regions[0], square_box(400 + CELL, 300)[0]) == 1.0
    assert sv.box_iou_batch(start.regions, square_box(400 + CELL, 300))[0, 0] > 0.55


def test_a_square_that_moved_away_leaves_a_ghost_where_it_rested() -> None:
    """The background still holds the square where it rested until the average forgets it."""
    rng, background, detector = np.random.default_rng(2), scene(), MotionDetector()
    detector.update(noisy(with_square(background, 400, 300), rng))

    for step in range(1, 9):
        x = 400 + step * CELL
        motion = detector.update(noisy(with_square(background, x, 300), rng))

        assert max(covered(region, square_box(x, 300)[0]) for region in motion.regions) > 0.5
        if x >= 400 + SIDE:
            assert max(covered(region, square_box(400, 300)[0]) for region in motion.regions) == 1


def test_a_stopped_square_blends_into_the_background() -> None:
    """With alpha 0.05 a contrast of ~130 falls under the threshold after ln(130/25)/0.05 frames."""
    rng, background, detector = np.random.default_rng(3), scene(), MotionDetector()
    detector.update(noisy(background, rng))
    still = with_square(background, 600, 200)

    moving = [detector.update(noisy(still, rng)).moving for _ in range(60)]

    settled = moving.index(False)
    assert 20 <= settled <= 45
    assert not any(moving[settled:])


@pytest.mark.parametrize(("side", "counts"), [(12, False), (40, True)])
def test_min_area_decides_whether_a_small_change_counts(side: int, counts: bool) -> None:
    rng, background, detector = np.random.default_rng(4), scene(), MotionDetector()
    detector.update(noisy(background, rng))
    changed = background.copy()
    changed[500 : 500 + side, 900 : 900 + side] = 255

    motion = detector.update(noisy(changed, rng))

    assert motion.area_fraction > 0
    assert motion.moving is counts


def test_a_global_brightness_jump_is_motion_once_then_settles() -> None:
    rng, background, detector = np.random.default_rng(5), scene(), MotionDetector()
    detector.update(noisy(background, rng))
    lit = np.asarray(cv2.add(background, np.full_like(background, 70)), np.uint8)

    jump = detector.update(noisy(lit, rng))
    after = [detector.update(noisy(lit, rng)) for _ in range(5)]

    assert jump.moving and jump.reseeded and jump.area_fraction > 0.8
    np.testing.assert_array_equal(jump.regions, [[0, 0, WIDTH, HEIGHT]])
    assert not any(m.moving for m in after)


def test_an_exposure_ramp_wakes_a_few_times_not_every_frame() -> None:
    """Auto-exposure brightening by 80 levels over a second, at 10 fps."""
    rng, background, detector = np.random.default_rng(10), scene(), MotionDetector()
    detector.update(noisy(background, rng))

    motions = []
    for step in range(1, 21):
        lift = np.full_like(background, 8 * min(step, 10))
        motions.append(detector.update(noisy(np.asarray(cv2.add(background, lift)), rng)))

    assert 1 <= sum(m.moving for m in motions) <= 4
    assert any(m.reseeded for m in motions)
    assert not any(m.moving for m in motions[10:])


def test_a_new_frame_size_starts_over() -> None:
    rng, detector = np.random.default_rng(6), MotionDetector()
    for _ in range(3):
        detector.update(noisy(scene(), rng))

    small = scene(width=640, height=360)
    first, second = detector.update(noisy(small, rng)), detector.update(noisy(small, rng))

    assert first.moving and first.reseeded
    np.testing.assert_array_equal(first.regions, [[0, 0, 640, 360]])
    assert not second.moving


def test_reset_makes_the_next_frame_a_first_frame() -> None:
    rng, detector = np.random.default_rng(7), MotionDetector()
    detector.update(noisy(scene(), rng))
    detector.reset()

    assert detector.update(noisy(scene(), rng)).reseeded


def test_grey_frames_work_like_colour_ones() -> None:
    rng, detector = np.random.default_rng(8), MotionDetector()
    grey = np.asarray(cv2.cvtColor(scene(), cv2.COLOR_BGR2GRAY), np.uint8)
    detector.update(noisy(grey, rng))
    still = detector.update(noisy(grey, rng))

    moved = detector.update(noisy(with_square(grey[..., None], 400, 300)[..., 0], rng))

    assert not still.moving
    assert moved.moving
    assert covered(moved.regions[0], square_box(400, 300)[0]) == 1.0


def test_pedestrians_in_vtest_move_and_a_repeated_frame_of_it_does_not(vtest: Path) -> None:
    capture = cv2.VideoCapture(str(vtest))
    frames: list[Image] = []
    while len(frames) < 100:
        ok, frame = capture.read()
        assert ok, f"{vtest} ended after {len(frames)} frames"
        frames.append(np.asarray(frame, np.uint8))
    capture.release()
    rng = np.random.default_rng(9)

    walking = MotionDetector()
    moving = [walking.update(frame).moving for frame in frames]
    still = MotionDetector()
    repeated = [still.update(noisy(frames[50], rng)).moving for _ in range(20)]

    assert sum(moving) >= 0.9 * len(moving)
    assert repeated == [True] + [False] * 19


def test_motion_config_rejects_unknown_keys_and_out_of_range_values() -> None:
    assert MotionConfig() == MotionConfig.model_validate({})
    with pytest.raises(ValidationError, match="extra"):
        MotionConfig.model_validate({"sensitivity": 3})
    for field, value in [
        ("threshold", 0),
        ("threshold", 256),
        ("min_area", -0.1),
        ("min_area", 1.5),
        ("frame_height", 8),
        ("background_alpha", 0),
        ("global_change", 1.2),
        ("keyframe_interval_s", 0),
        ("stationary_after_s", -1),
        ("stationary_tolerance", 2),
    ]:
        with pytest.raises(ValidationError, match=field):
            MotionConfig.model_validate({field: value})


def test_motion_config_is_frozen() -> None:
    config = MotionConfig(threshold=30)

    with pytest.raises(ValidationError):
        config.threshold = 40  # type: ignore[misc]

"""How many cameras one node can run: its detector's measured latency against the analysis rate.

The model is one formula::

    cameras = floor(utilisation / (seconds_per_frame * fps * motion_duty))

- ``seconds_per_frame``: the detector's time per frame on this node, measured on a synthetic
  frame of the cameras' size in batches of ``runtime.batch_size`` frames (the shared detector
  worker batches the cameras' frames the same way), after warm-up: the median timed batch
  divided by its size. The detector is loaded as the live service loads it, with its thread
  budget (``runtime.threads``).
- ``fps``: frames each camera is analysed at per second: the highest ``fps_cap`` of the config's
  enabled cameras, where a camera without a cap (analysed at its own rate) counts as
  ``default_fps`` (10 unless given).
- ``motion_duty``: the share of analysed frames the detector runs on. Motion gating skips frames
  of still scenes, but motion can be everywhere at once, so the safe value is 1.
- ``utilisation``: the share of each second the detector may use; the rest is left for decoding,
  tracking, JPEG encoding and bursts (0.8 unless given).

For example, 25 ms per frame at 10 fps, duty 1 and utilisation 0.8 gives
0.8 / (0.025 * 10 * 1) = 3.2, so 3 cameras.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass

import numpy as np

from cluster import DEFAULT_ANALYSIS_FPS, DEFAULT_UTILISATION
from config import AppConfig
from detectors import Detector, ModelPolicy
from detectors.base import Image, Size
from runtime.cameras import load_live_detector

ROUNDING = 1e-9
"""Tolerance of the floor: 0.8 / 0.2 is 4 cameras, not 3.999... rounded down."""


class CapacityError(ValueError):
    """The node's capacity cannot be measured as asked (a user error: one line, exit 2)."""


@dataclass(frozen=True, slots=True)
class Workload:
    """What each camera asks of the detector, and how much of the node it may take."""

    fps: float
    motion_duty: float = 1.0
    utilisation: float = DEFAULT_UTILISATION

    def __post_init__(self) -> None:
        if not self.fps > 0:
            raise CapacityError(f"the analysis rate must be above 0 fps, got {self.fps:g}")
        if not 0 < self.motion_duty <= 1:
            raise CapacityError(f"the motion duty must be in (0, 1], got {self.motion_duty:g}")
        if not 0 < self.utilisation <= 1:
            raise CapacityError(f"the utilisation must be in (0, 1], got {self.utilisation:g}")

    @classmethod
    def of(
        cls,
        config: AppConfig,
        default_fps: float = DEFAULT_ANALYSIS_FPS,
        motion_duty: float = 1.0,
        utilisation: float = DEFAULT_UTILISATION,
    ) -> Workload:
        """The busiest enabled camera's rate (``default_fps`` without cameras or caps)."""
        rates = [c.fps_cap or default_fps for c in config.cameras if c.enabled]
        return cls(max(rates, default=default_fps), motion_duty, utilisation)


def cameras_for(seconds_per_frame: float, workload: Workload) -> int:
    """The module's formula: cameras whose detection fits the usable share of a second."""
    if not seconds_per_frame > 0:
        raise CapacityError(f"a frame must take some time, got {seconds_per_frame:g} s")
    busy_per_camera = seconds_per_frame * workload.fps * workload.motion_duty
    return math.floor(workload.utilisation / busy_per_camera + ROUNDING)


@dataclass(frozen=True, slots=True)
class Measurement:
    """One detector's measured time per frame."""

    seconds_per_frame: float
    batch_size: int
    frame_size: Size
    """Height and width of the synthetic frame."""
    detector: str
    """What ran (``Detector.describe``), e.g. ``openvino int8``."""


def synthetic_frame(frame_size: Size) -> Image:
    """Seeded noise: a detector network's cost does not depend on what the picture shows."""
    height, width = frame_size
    return np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)


def measure(
    detector: Detector, frame_size: Size, batch_size: int, runs: int = 5, warmup: int = 2
) -> Measurement:
    """Time ``runs`` batches of ``batch_size`` synthetic frames after ``warmup`` untimed ones."""
    if detector.calibration_frames_wanted:
        raise CapacityError(
            f"the {detector.describe()} model is not calibrated yet, and calibrating it on "
            "synthetic frames would spoil it: run `trackcast export --calibrate VIDEO` with "
            "the config's model and imgsz on this node first, or give --cameras"
        )
    if runs < 1 or batch_size < 1:
        raise CapacityError(f"need at least one run of one frame, got {runs} of {batch_size}")
    frames = [synthetic_frame(frame_size)] * batch_size
    detector.prepare(frame_size)
    for _ in range(warmup):
        detector.detect(frames)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        detector.detect(frames)
        timings.append(time.perf_counter() - started)
    return Measurement(
        seconds_per_frame=statistics.median(timings) / batch_size,
        batch_size=batch_size,
        frame_size=frame_size,
        detector=detector.describe(),
    )


def measure_configured(config: AppConfig, frame_size: Size, runs: int = 5) -> Measurement:
    """Load the config's detector as the live service does, measure it, release it."""
    ModelPolicy(config.sources.model_roots).check(config.detector.model)
    detector = load_live_detector(config.detector)
    try:
        return measure(detector, frame_size, config.runtime.batch_size, runs)
    finally:
        detector.close()

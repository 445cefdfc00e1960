"""A constant-velocity Kalman filter over box centre and size, one step per processed frame.

State ``[cx, cy, w, h, vcx, vcy, vw, vh]``; measurement ``[cx, cy, w, h]``. Noise is relative to
the box size, as in SORT and ByteTrack, so near and far objects are filtered alike. A prediction
``step`` is the time since the last one in frames of a 25 fps source: at a detection rate of 5 fps
a step is 5. Velocities are per 25 fps frame, and the process noise grows with the step, because
people turn and change pace between detections; a filter that assumed one frame per update would
trust its stale velocity and lose them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

POSITION_NOISE = 1.0 / 20
"""Measurement and position process noise, relative to the box height."""
VELOCITY_NOISE = 1.0 / 160
"""Velocity process noise per reference frame, relative to the box height."""

_MEASURE = np.eye(4, 8)


@dataclass(slots=True)
class BoxState:
    """Mean and covariance of one track's box."""

    mean: FloatArray
    covariance: FloatArray

    def copy(self) -> BoxState:
        return BoxState(self.mean.copy(), self.covariance.copy())

    @property
    def xcycwh(self) -> FloatArray:
        """Centre and size, ``[cx, cy, w, h]``."""
        return self.mean[:4]


class BoxFilter:
    """Predict and correct :class:`BoxState` objects; holds no per-track state itself."""

    def initiate(self, xcycwh: FloatArray) -> BoxState:
        """A new state at ``xcycwh`` (centre and size) with unknown velocity."""
        h = xcycwh[3]
        std = np.array([2, 2, 2, 2, 10, 10, 10, 10], dtype=np.float64) * np.array(
            [POSITION_NOISE] * 4 + [VELOCITY_NOISE] * 4
        )
        mean = np.concatenate([xcycwh.astype(np.float64), np.zeros(4)])
        return BoxState(mean, np.diag(np.square(std * h)))

    def predict(self, state: BoxState, step: float = 1.0) -> None:
        """Advance ``state`` by ``step`` frames of 25 fps, in place."""
        if step <= 0:
            raise ValueError(f"step must be positive, got {step}")
        h = state.mean[3]
        std_pos = POSITION_NOISE * h * step
        std_vel = VELOCITY_NOISE * h * step
        noise = np.diag(np.square([std_pos] * 4 + [std_vel] * 4))
        motion = np.eye(8)
        motion[:4, 4:] = np.eye(4) * step
        state.mean = motion @ state.mean
        state.covariance = motion @ state.covariance @ motion.T + noise
        state.mean[2:4] = np.maximum(state.mean[2:4], 1.0)

    def update(self, state: BoxState, xcycwh: FloatArray) -> None:
        """Correct ``state`` with a measured box, in place."""
        std = POSITION_NOISE * state.mean[3]
        innovation_cov = _MEASURE @ state.covariance @ _MEASURE.T + np.diag(np.square([std] * 4))
        gain = np.linalg.solve(innovation_cov, _MEASURE @ state.covariance).T
        state.mean = state.mean + gain @ (xcycwh - _MEASURE @ state.mean)
        state.covariance = state.covariance - gain @ innovation_cov @ gain.T

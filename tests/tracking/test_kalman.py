from __future__ import annotations

import numpy as np
import pytest

from tracking.kalman import BoxFilter


def _follow(step: float, speeds: list[float]) -> list[float]:
    """Velocity estimates of a box moving right at ``speeds`` (pixels per step), one per update."""
    kf = BoxFilter()
    x = 100.0
    state = kf.initiate(np.array([x, 200.0, 40.0, 100.0]))
    estimates = []
    for speed in speeds:
        x += speed
        kf.predict(state, step)
        kf.update(state, np.array([x, 200.0, 40.0, 100.0]))
        estimates.append(float(state.mean[4]) * step)  # per step
    return estimates


def test_constant_motion_is_learned_and_predicted() -> None:
    kf = BoxFilter()
    state = kf.initiate(np.array([100.0, 200.0, 40.0, 100.0]))
    for k in range(1, 30):
        kf.predict(state)
        kf.update(state, np.array([100.0 + 4 * k, 200.0, 40.0, 100.0]))
    kf.predict(state)
    assert state.xcycwh == pytest.approx([100.0 + 4 * 30, 200.0, 40.0, 100.0], abs=0.5)


def test_longer_steps_follow_a_change_of_pace_sooner() -> None:
    """At 5 fps (step 5) the filter expects people to change pace between updates."""
    speeds = [10.0] * 20 + [40.0] * 3
    per_frame = _follow(1.0, speeds)[-1]
    per_five_frames = _follow(5.0, speeds)[-1]
    assert abs(per_five_frames - 40.0) < abs(per_frame - 40.0)
    assert abs(per_five_frames - 40.0) < 6.0


def test_covariance_stays_symmetric_positive_definite() -> None:
    kf = BoxFilter()
    state = kf.initiate(np.array([10.0, 20.0, 5.0, 12.0]))
    rng = np.random.default_rng(0)
    for _ in range(50):
        kf.predict(state, 3.0)
        kf.update(state, np.array([10.0, 20.0, 5.0, 12.0]) + rng.normal(0, 1, 4))
    np.testing.assert_allclose(state.covariance, state.covariance.T, atol=1e-9)
    assert np.all(np.linalg.eigvalsh(state.covariance) > 0)


def test_rejects_a_non_positive_step() -> None:
    kf = BoxFilter()
    state = kf.initiate(np.array([10.0, 20.0, 5.0, 12.0]))
    with pytest.raises(ValueError, match="step"):
        kf.predict(state, 0.0)

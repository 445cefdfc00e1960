"""ScoreScale: a stream's scores lifted so its confident detections weigh fully."""

from __future__ import annotations

import numpy as np
import pytest

from tracking.score_scale import FULL_SCORE, HISTORY, ScoreScale


def test_a_confident_detector_is_left_as_it_is() -> None:
    scale = ScoreScale()
    scale.observe(np.linspace(0.3, 0.98, 50))
    assert scale.factor == 1.0
    scores = np.array([0.3, 0.6, 0.95])
    np.testing.assert_array_equal(scale.weights(scores), scores)


def test_an_unsure_detector_is_lifted_to_the_full_score_and_capped_at_1() -> None:
    scale = ScoreScale()
    scale.observe(np.full(20, 0.45))
    assert scale.factor == pytest.approx(FULL_SCORE / 0.45)
    np.testing.assert_allclose(scale.weights(np.array([0.225, 0.45, 0.6])), [0.45, 0.9, 1.0])


def test_nothing_seen_yet_or_an_empty_frame_changes_nothing() -> None:
    scale = ScoreScale()
    assert scale.factor == 1.0
    scale.observe(np.full(10, 0.3))
    factor = scale.factor
    scale.observe(np.array([]))
    assert scale.factor == factor


def test_the_scale_follows_the_recent_scores_only() -> None:
    scale = ScoreScale()
    scale.observe(np.full(HISTORY, 0.3))
    assert scale.factor == pytest.approx(3.0)
    for _ in range(HISTORY // 10):  # the detector (or the scene) changed
        scale.observe(np.full(10, 0.95))
    assert scale.factor == 1.0

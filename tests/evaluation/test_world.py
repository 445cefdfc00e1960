from __future__ import annotations

import numpy as np

from evaluation.world import visibility


def test_vectorised_visibility_matches_the_per_box_loop() -> None:
    rng = np.random.default_rng(0)
    boxes = np.column_stack([rng.uniform(-50, 300, (40, 2)), rng.uniform(10, 80, (40, 2))])
    depths = rng.uniform(1, 10, 40)
    cover, cover_depths = boxes[:3] + 5, np.array([2.0, 5.0, 8.0])
    steps = (np.arange(12) + 0.5) / 12
    all_boxes, all_depths = np.concatenate([boxes, cover]), np.concatenate([depths, cover_depths])
    expected = np.zeros(len(boxes))
    for i, (left, top, w, h) in enumerate(boxes):
        px, py = np.repeat(left + steps * w, 12), np.tile(top + steps * h, 12)
        seen = (px >= 0) & (px < 320) & (py >= 0) & (py < 240)
        for ol, ot, ow, oh in all_boxes[all_depths < depths[i]]:
            seen &= ~((px >= ol) & (px < ol + ow) & (py >= ot) & (py < ot + oh))
        expected[i] = seen.mean()
    got = visibility(boxes, depths, 320, 240, cover, cover_depths)
    np.testing.assert_array_equal(got, expected)
    assert 0 < got.mean() < 1

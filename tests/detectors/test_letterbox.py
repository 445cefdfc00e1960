from __future__ import annotations

import numpy as np
import pytest

from detectors.letterbox import PAD_VALUE, Letterbox, input_size


@pytest.mark.parametrize(
    ("frame", "imgsz", "expected"),
    [
        ((720, 1280), 640, (384, 640)),  # 16:9: 360 rows padded up to 384, not 640
        ((576, 768), 640, (480, 640)),  # 4:3: no padding at all
        ((1080, 1920), 320, (192, 320)),
        ((1280, 720), 640, (640, 384)),  # portrait
        ((480, 640), 640, (480, 640)),
        ((100, 100), 640, (640, 640)),  # small frames are scaled up, like ultralytics does
        ((10, 2000), 640, (32, 640)),  # never below one stride
    ],
)
def test_input_keeps_the_stream_aspect(
    frame: tuple[int, int], imgsz: int, expected: tuple[int, int]
) -> None:
    assert input_size(frame, imgsz) == expected


def test_a_box_survives_the_round_trip_through_the_letterbox() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[200:300, 400:600] = 255
    box = Letterbox((720, 1280), input_size((720, 1280), 640))
    padded = np.empty((*box.input, 3), np.uint8)
    box.apply(frame, padded)
    assert box.offset == (12, 0)
    assert (padded[:12] == PAD_VALUE).all() and (padded[-12:] == PAD_VALUE).all()
    ys, xs = np.nonzero(padded[..., 0] > 128)
    found = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], np.float32)
    np.testing.assert_allclose(box.to_frame(found), [[400, 200, 600, 300]], atol=2)


def test_boxes_are_clipped_to_the_frame() -> None:
    box = Letterbox((576, 768), (480, 640))
    clipped = box.to_frame(np.array([[-20, -5, 700, 500]], np.float32))
    np.testing.assert_allclose(clipped, [[0, 0, 768, 576]])


def test_a_frame_of_another_size_is_refused() -> None:
    box = Letterbox((576, 768), (480, 640))
    with pytest.raises(ValueError, match="expected"):
        box.apply(np.zeros((720, 1280, 3), np.uint8), np.empty((480, 640, 3), np.uint8))

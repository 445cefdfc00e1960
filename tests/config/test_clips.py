"""The clips section of a camera: defaults, and a ring too short for a clip is an error."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.models import CameraConfig


def test_defaults_keep_five_seconds_either_side_in_a_bounded_ring() -> None:
    clips = CameraConfig(id="door", url="rtsp://127.0.0.1/door").clips
    assert (clips.enabled, clips.pre_capture_s, clips.post_capture_s) == (True, 5.0, 5.0)
    assert clips.max_ring_s >= clips.pre_capture_s + clips.post_capture_s
    assert clips.max_ring_bytes == 64 * 1024 * 1024


def test_a_ring_shorter_than_a_clip_is_refused() -> None:
    with pytest.raises(ValidationError, match="max_ring_s must be at least"):
        CameraConfig.model_validate(
            {
                "id": "door",
                "url": "rtsp://127.0.0.1/door",
                "clips": {"pre_capture_s": 10, "post_capture_s": 10, "max_ring_s": 15},
            }
        )


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(ValidationError, match="extra"):
        CameraConfig.model_validate(
            {"id": "door", "url": "rtsp://127.0.0.1/door", "clips": {"pre_capture": 5}}
        )

"""A segmentation model's polygons reach both live feeds (the WebSocket track feed and the
viewer's WebRTC data channel) as the AsyncAPI document describes them."""

from __future__ import annotations

import numpy as np
import supervision as sv

from api.asyncapi import FrameMessage
from api.tracks import frame_message as feed_message
from detectors.segments import POLYGON
from outputs import FrameResult
from restream.feed import frame_message as channel_message

OUTLINE = [[20, 140], [140, 140], [20, 20]]


def _result(with_polygons: bool) -> FrameResult:
    data: dict[str, object] = {"class_name": np.array(["person"])}
    if with_polygons:
        data[POLYGON] = [np.array(OUTLINE, dtype=np.int32)]
    tracks = sv.Detections(
        xyxy=np.array([[20.0, 20.0, 140.0, 140.0]], dtype=np.float32),
        confidence=np.array([0.8], dtype=np.float32),
        class_id=np.array([0]),
        tracker_id=np.array([3]),
        data=data,  # type: ignore[arg-type]
    )
    image = np.zeros((160, 200, 3), dtype=np.uint8)
    return FrameResult(index=4, pts=0.4, image=image, tracks=tracks, camera_id="c")


def test_both_feeds_carry_each_tracks_polygon() -> None:
    ws = feed_message(_result(True))
    (track,) = FrameMessage.model_validate(ws).tracks
    assert track.polygon == OUTLINE
    assert channel_message(_result(True), pts=0, captured_at=0.0)["tracks"][0]["polygon"] == OUTLINE


def test_a_detection_model_sends_no_polygon() -> None:
    (track,) = feed_message(_result(False))["tracks"]
    assert "polygon" not in track
    assert FrameMessage.model_validate(feed_message(_result(False))).tracks[0].polygon is None

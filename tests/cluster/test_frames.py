"""PackedFrame: a tracked frame survives the JPEG trip with its tracks, and costs a fraction of
the raw image."""

from __future__ import annotations

import pickle

import numpy as np
import supervision as sv

from cluster.frames import PackedFrame
from outputs import FrameResult


def test_a_packed_frame_unpacks_to_the_same_frame_with_its_image_close() -> None:
    image = np.zeros((240, 320, 3), np.uint8)
    image[100:140, 50:90] = 255
    tracks = sv.Detections(
        xyxy=np.array([[50, 100, 90, 140]], np.float32),
        confidence=np.array([0.9], np.float32),
        class_id=np.array([0]),
        tracker_id=np.array([7]),
    )
    result = FrameResult(7, 0.7, image, tracks, camera_id="door", received_at=1000.0)
    packed = pickle.loads(pickle.dumps(PackedFrame.pack(result)))  # as Ray sends it
    unpacked = packed.unpack()
    assert (unpacked.index, unpacked.pts, unpacked.camera_id) == (7, 0.7, "door")
    assert unpacked.received_at == 1000.0 and unpacked.analysed
    assert unpacked.tracks.tracker_id is not None and list(unpacked.tracks.tracker_id) == [7]
    assert unpacked.image.shape == image.shape and unpacked.image.dtype == np.uint8
    assert np.abs(unpacked.image.astype(int) - image).mean() < 2  # JPEG: close, not equal
    assert len(packed.jpeg) < image.nbytes / 10

"""Privacy on frames the motion gate skips: they carry the tracker's prediction, which has no
track the tracker has not confirmed yet (and there is no tracker before the first detection
finished), so the detector's last boxes are hidden as well, and a frame skipped before any
detection is published black (a still person would otherwise show in skipped frames, and in
the clips encoded from them)."""

from __future__ import annotations

import numpy as np
import supervision as sv

from outputs.privacy import PrivacyMode, PrivacySettings
from runtime.broadcast import Broadcast
from runtime.camera_pipeline import CameraPipeline, no_tracks
from stream import VideoFrame
from stream.live import LiveCamera
from tests.blob_detector import BrightBlobDetector
from tracking import Tracker
from tracking.base import Image

BOX = (slice(40, 80), slice(60, 100))


class _Unconfirmed(Tracker):
    """A tracker that confirms nothing yet: no tracks out, none predicted."""

    def update(
        self, detections: sv.Detections, image: Image | None = None, timestamp: float | None = None
    ) -> sv.Detections:
        return no_tracks()

    def reset(self) -> None:
        pass

    def predict(self, timestamp: float | None = None) -> sv.Detections:
        return no_tracks()


def _published(pipeline: CameraPipeline) -> np.ndarray:
    latest = pipeline.results.latest
    assert latest is not None
    return latest.image


def test_gated_frames_hide_what_the_detector_found_or_show_nothing_before_it() -> None:
    image = np.zeros((120, 160, 3), np.uint8)
    image[BOX] = 255
    pipeline = CameraPipeline(
        camera=LiveCamera("cam", "never-opened.mp4"),
        make_tracker=lambda fps: _Unconfirmed(),
        results=Broadcast(),
        privacy=PrivacySettings(classes=frozenset({"square"}), mode=PrivacyMode.BLACK),
    )
    pipeline.show_predicted(VideoFrame(image, 0, 0.0, 1000.0, "cam"))  # first detection pending
    assert _published(pipeline).max() == 0  # blind: all black
    pipeline.track(
        VideoFrame(image, 1, 0.1, 1000.1, "cam"), BrightBlobDetector().detect([image])[0]
    )
    assert _published(pipeline)[BOX].max() == 0  # the raw detection is hidden
    pipeline.show_predicted(VideoFrame(image, 2, 0.2, 1000.2, "cam"))  # the gate skipped it
    published = _published(pipeline)
    assert published[BOX].max() == 0  # still hidden, though no track is predicted
    assert image[BOX].max() == 255  # the frame itself is never changed

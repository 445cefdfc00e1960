"""Draw tracks on a frame: boxes coloured per track, labels (id, class, confidence), trails."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import supervision as sv

from outputs.records import FrameResult

Image = npt.NDArray[np.uint8]


class TrackOverlay:
    """Stateful per stream: the trails remember each track's recent positions."""

    def __init__(self, trail_length: int = 30) -> None:
        lookup = sv.ColorLookup.TRACK
        self._boxes = sv.BoxAnnotator(thickness=2, color_lookup=lookup)
        self._labels = sv.LabelAnnotator(text_scale=0.45, text_padding=4, color_lookup=lookup)
        self._trails = sv.TraceAnnotator(
            trace_length=trail_length, position=sv.Position.BOTTOM_CENTER, color_lookup=lookup
        )

    def draw(self, result: FrameResult) -> Image:
        """A copy of the frame with its tracks drawn."""
        scene = result.image.copy()
        tracks = result.tracks
        if len(tracks) == 0:
            return scene
        if result.analysed:
            scene = self._trails.annotate(scene, tracks)
        scene = self._boxes.annotate(scene, tracks)
        labels = [_label(obj) for obj in result.objects()]
        return self._labels.annotate(scene, tracks, labels=labels)


def _label(obj: dict[str, object]) -> str:
    return f"#{obj['track_id']} {obj['class_name']} {obj['confidence']:.2f}"

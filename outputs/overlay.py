"""Draw tracks on a frame: boxes coloured per track, labels (id, class, confidence), trails, and a
segmentation model's polygons (filled translucent, outlined in the track's colour)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.segments import polygons
from outputs.records import FrameResult

POLYGON_OPACITY = 0.35

Image = npt.NDArray[np.uint8]


class TrackOverlay:
    """Stateful per stream: the trails remember each track's recent positions."""

    def __init__(self, trail_length: int = 30) -> None:
        lookup = sv.ColorLookup.TRACK
        self._palette = sv.ColorPalette.DEFAULT
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
        scene = self._polygons(scene, tracks)
        if result.analysed:
            scene = self._trails.annotate(scene, tracks)
        scene = self._boxes.annotate(scene, tracks)
        labels = [_label(obj) for obj in result.objects()]
        return self._labels.annotate(scene, tracks, labels=labels)

    def _polygons(self, scene: Image, tracks: sv.Detections) -> Image:
        """Each track's polygon, in the colour its box gets (the palette entry of its id)."""
        outlines = polygons(tracks)
        if not outlines or not any(len(p) for p in outlines):
            return scene
        ids = tracks.tracker_id if tracks.tracker_id is not None else np.arange(len(tracks))
        filled = scene.copy()
        drawn = [
            (p, self._palette.by_idx(int(i)).as_bgr()) for p, i in zip(outlines, ids, strict=True)
        ]
        for outline, colour in drawn:
            if len(outline):
                cv2.fillPoly(filled, [outline], colour)
        scene = np.asarray(
            cv2.addWeighted(filled, POLYGON_OPACITY, scene, 1 - POLYGON_OPACITY, 0), dtype=np.uint8
        )
        for outline, colour in drawn:
            if len(outline):
                cv2.polylines(scene, [outline], isClosed=True, color=colour, thickness=2)
        return scene


def _label(obj: dict[str, object]) -> str:
    return f"#{obj['track_id']} {obj['class_name']} {obj['confidence']:.2f}"

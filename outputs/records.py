"""The tracked frame record that sinks consume, and the sink port."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import supervision as sv

from detectors.base import CLASS_NAME
from detectors.segments import POLYGON, polygons

BOX_DECIMALS = 2
"""Boxes are written rounded to 1/100 pixel in every text format, so formats agree exactly."""


@dataclass(frozen=True, slots=True)
class FrameResult:
    """One frame after detection and tracking.

    Attributes:
        index: The frame's sequence number in its source, from 0.
        pts: Presentation time in seconds, if known.
        image: The frame's pixels (BGR), for sinks that draw.
        tracks: Tracked boxes, ``tracker_id`` set.
        analysed: False for frames a stride skipped; their tracks are the tracker's prediction for
            the frame's time: the last analysed frame's tracks, moved along their motion.
        camera_id: The camera or file the frame came from.
        received_at: Wall-clock time the frame was decoded, for latency measurements.
    """

    index: int
    pts: float | None
    image: npt.NDArray[np.uint8]
    tracks: sv.Detections
    analysed: bool = True
    camera_id: str = ""
    received_at: float | None = None

    def objects(self) -> Iterator[dict[str, Any]]:
        """Each track as a plain dict: ``track_id``, ``class_id``, ``class_name``, ``confidence``,
        ``box`` (x1, y1, x2, y2) and ``attributes`` (extra ``data`` columns such as ``posture``);
        with a segmentation model also ``polygon``, ``[[x, y], ...]`` in frame pixels (empty
        where the mask was)."""
        tracks = self.tracks
        n = len(tracks)
        ids = tracks.tracker_id if tracks.tracker_id is not None else np.full(n, -1)
        class_ids = tracks.class_id if tracks.class_id is not None else np.full(n, -1)
        confidence = tracks.confidence if tracks.confidence is not None else np.ones(n)
        extra = {k: v for k, v in tracks.data.items() if k not in (CLASS_NAME, POLYGON)}
        names = tracks.data.get(CLASS_NAME, np.full(n, ""))
        outlines = polygons(tracks)
        for i in range(n):
            obj: dict[str, Any] = {
                "track_id": int(ids[i]),
                "class_id": int(class_ids[i]),
                "class_name": str(names[i]),
                "confidence": round(float(confidence[i]), 4),
                "box": [round(float(v), BOX_DECIMALS) for v in tracks.xyxy[i]],
                "attributes": {k: _plain(v[i]) for k, v in extra.items()},
            }
            if outlines is not None:
                obj["polygon"] = outlines[i].tolist()
            yield obj


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class FrameSink(ABC):
    """Receives every frame of a job in order, then is closed once."""

    @abstractmethod
    def write(self, result: FrameResult) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

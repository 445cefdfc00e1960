"""A tracked frame packed for the trip from a node agent to an API process: the image as JPEG.

A raw 1080p BGR frame is 6 MB; as JPEG (quality 85) it is ~100-300 kB, which is what a live
viewer in another process costs the network per frame.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
import supervision as sv

from outputs import FrameResult

JPEG_QUALITY = 85


@dataclass(frozen=True)
class PackedFrame:
    """:class:`FrameResult` with its image JPEG-encoded; ``packed_at`` is when the agent packed it
    (wall clock), for latency measurements."""

    index: int
    pts: float | None
    jpeg: bytes
    tracks: sv.Detections
    analysed: bool
    camera_id: str
    received_at: float | None
    packed_at: float

    @classmethod
    def pack(cls, result: FrameResult) -> PackedFrame:
        ok, jpeg = cv2.imencode(".jpg", result.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise RuntimeError(f"camera {result.camera_id}: JPEG encoding failed")
        return cls(
            index=result.index,
            pts=result.pts,
            jpeg=jpeg.tobytes(),
            tracks=result.tracks,
            analysed=result.analysed,
            camera_id=result.camera_id,
            received_at=result.received_at,
            packed_at=time.time(),
        )

    def unpack(self) -> FrameResult:
        image = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise RuntimeError(f"camera {self.camera_id}: a packed frame is not a JPEG")
        return FrameResult(
            index=self.index,
            pts=self.pts,
            image=image.astype(np.uint8, copy=False),
            tracks=self.tracks,
            analysed=self.analysed,
            camera_id=self.camera_id,
            received_at=self.received_at,
        )

"""JSON Lines output: one object per frame.

Each line: ``{"frame": 0, "pts": 0.0, "width": 768, "height": 576, "analysed": true, "tracks":
[{"track_id", "class_id", "class_name", "confidence", "box": [x1, y1, x2, y2], "attributes":
{...}}]}``, and per track ``"polygon": [[x, y], ...]`` from a segmentation model; width and
height are the frame's, so ``trackcast analyze`` can resolve normalized geometry offline.
``analysed`` is false for frames a stride skipped: their boxes are the tracker's prediction.
"""

from __future__ import annotations

import json

from outputs.records import FrameResult
from outputs.text_file import TextLinesSink


class JsonlWriter(TextLinesSink):
    """Writes one JSON record per frame, frames without tracks included."""

    def lines(self, result: FrameResult) -> list[str]:
        pts = None if result.pts is None else round(result.pts, 6)
        height, width = result.image.shape[:2]
        record = {
            "frame": result.index,
            "pts": pts,
            "width": width,
            "height": height,
            "analysed": result.analysed,
            "tracks": list(result.objects()),
        }
        return [json.dumps(record, separators=(",", ":")) + "\n"]

"""JSON Lines output: one object per analysed frame.

Each line: ``{"frame": 0, "pts": 0.0, "tracks": [{"track_id", "class_id", "class_name",
"confidence", "box": [x1, y1, x2, y2], "attributes": {...}}]}``.
"""

from __future__ import annotations

import json

from outputs.records import FrameResult
from outputs.text_file import TextLinesSink


class JsonlWriter(TextLinesSink):
    """Writes one JSON record per analysed frame, frames without tracks included."""

    def lines(self, result: FrameResult) -> list[str]:
        pts = None if result.pts is None else round(result.pts, 6)
        record = {"frame": result.index, "pts": pts, "tracks": list(result.objects())}
        return [json.dumps(record, separators=(",", ":")) + "\n"]

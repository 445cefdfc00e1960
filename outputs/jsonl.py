"""JSON Lines output: one object per analysed frame.

Each line: ``{"frame": 0, "pts": 0.0, "tracks": [{"track_id", "class_id", "class_name",
"confidence", "box": [x1, y1, x2, y2], "attributes": {...}}]}``.
"""

from __future__ import annotations

import json
from pathlib import Path

from outputs.errors import open_for_writing, write_error
from outputs.records import FrameResult, FrameSink


class JsonlWriter(FrameSink):
    """Writes one JSON record per analysed frame, frames without tracks included."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open_for_writing(path)

    def write(self, result: FrameResult) -> None:
        if not result.analysed:
            return
        pts = None if result.pts is None else round(result.pts, 6)
        record = {"frame": result.index, "pts": pts, "tracks": list(result.objects())}
        try:
            self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        except OSError as error:
            raise write_error(self.path, error) from None

    def close(self) -> None:
        self._file.close()

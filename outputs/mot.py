"""MOTChallenge text output: ``frame,id,left,top,width,height,conf,-1,-1,-1``, frames from 1."""

from __future__ import annotations

from pathlib import Path

from outputs.errors import open_for_writing, write_error
from outputs.records import BOX_DECIMALS, FrameResult, FrameSink


class MotWriter(FrameSink):
    """Writes the tracks of analysed frames in MOTChallenge format (the TrackEval input)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open_for_writing(path)

    def write(self, result: FrameResult) -> None:
        if not result.analysed:
            return
        lines = []
        for obj in result.objects():
            x1, y1, x2, y2 = obj["box"]
            left, top = x1, y1
            width = round(x2 - x1, BOX_DECIMALS)
            height = round(y2 - y1, BOX_DECIMALS)
            box = f"{left:.2f},{top:.2f},{width:.2f},{height:.2f}"
            lines.append(
                f"{result.index + 1},{obj['track_id']},{box},{obj['confidence']:.4f},-1,-1,-1\n"
            )
        try:
            self._file.writelines(lines)
        except OSError as error:
            raise write_error(self.path, error) from None

    def close(self) -> None:
        self._file.close()

"""MOTChallenge text output: ``frame,id,left,top,width,height,conf,-1,-1,-1``, frames from 1."""

from __future__ import annotations

from outputs.records import BOX_DECIMALS, FrameResult
from outputs.text_file import TextLinesSink


class MotWriter(TextLinesSink):
    """Writes the tracks of every frame in MOTChallenge format (the TrackEval input); frames a
    stride skipped carry the tracker's predicted boxes."""

    def lines(self, result: FrameResult) -> list[str]:
        lines = []
        for obj in result.objects():
            x1, y1, x2, y2 = obj["box"]
            width = round(x2 - x1, BOX_DECIMALS)
            height = round(y2 - y1, BOX_DECIMALS)
            box = f"{x1:.2f},{y1:.2f},{width:.2f},{height:.2f}"
            lines.append(
                f"{result.index + 1},{obj['track_id']},{box},{obj['confidence']:.4f},-1,-1,-1\n"
            )
        return lines

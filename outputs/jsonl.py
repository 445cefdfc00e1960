"""JSON Lines output: one object per frame.

Each line: ``{"frame": 0, "pts": 0.0, "width": 768, "height": 576, "analysed": true, "tracks":
[{"track_id", "class_id", "class_name", "confidence", "box": [x1, y1, x2, y2], "attributes":
{...}}]}``, and per track ``"polygon": [[x, y], ...]`` from a segmentation model; width and
height are the frame's, so ``trackcast analyze`` can resolve normalized geometry offline.
``analysed`` is false for frames a stride skipped: their boxes are the tracker's prediction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

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


T = TypeVar("T")


def read_json_lines(path: Path, parse: Callable[[Any], T]) -> Iterator[T]:
    """``parse`` of every non-blank line of ``path``, in file order; ValueError naming the file
    and line if one cannot be read, is not JSON, or ``parse`` refuses it (ValueError, TypeError,
    KeyError or IndexError)."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
                if not text.strip():
                    continue
                item = parse(json.loads(text))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} line {number}: not JSON ({error.msg})") from None
            except UnicodeDecodeError:
                raise ValueError(f"{path} line {number}: not text; expected JSON Lines") from None
            except (ValueError, TypeError, KeyError, IndexError) as error:
                reason = f"missing key {error}" if isinstance(error, KeyError) else str(error)
                raise ValueError(f"{path} line {number}: {reason}") from None
            yield item

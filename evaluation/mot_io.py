"""MOTChallenge text files in and out: ground truth, detections and tracker output.

One row per box: ``frame,id,left,top,width,height,conf,class,visibility[,...]``, frames from 1.
Only the first six columns are required. In ground truth, ``conf`` is MOTChallenge's "consider"
flag (0 marks a box the evaluation ignores); in tracker output and detections it is the score.
Missing ``class`` and ``visibility`` columns read as -1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MIN_COLUMNS = 6


class MotFormatError(ValueError):
    """A MOTChallenge file is missing, unreadable or malformed; the message names file and line."""


@dataclass(frozen=True)
class MotSequence:
    """The rows of one sequence as parallel arrays.

    Attributes:
        frames: Frame number of each row, from 1.
        ids: Object or track id (-1 in detection files).
        boxes: ``left, top, width, height`` in pixels, shape ``(n, 4)``.
        confidences: Score, or the ground truth's consider flag.
        classes: Class number, -1 where the file has none.
        visibility: Visible fraction of the box, -1 where the file has none.
    """

    frames: IntArray
    ids: IntArray
    boxes: FloatArray
    confidences: FloatArray
    classes: IntArray
    visibility: FloatArray

    @classmethod
    def empty(cls) -> MotSequence:
        return cls.from_columns(np.zeros((0, 9)))

    @classmethod
    def from_columns(cls, rows: npt.ArrayLike) -> MotSequence:
        """Build from an ``(n, 6..)`` array of MOT columns; missing columns 7-9 become -1."""
        table = np.asarray(rows, dtype=np.float64).reshape(-1, np.shape(rows)[-1])
        padded = np.full((len(table), 9), -1.0)
        padded[:, : min(9, table.shape[1])] = table[:, :9]
        return cls(
            frames=padded[:, 0].astype(np.int64),
            ids=padded[:, 1].astype(np.int64),
            boxes=padded[:, 2:6].copy(),
            confidences=padded[:, 6].copy(),
            classes=padded[:, 7].astype(np.int64),
            visibility=padded[:, 8].copy(),
        )

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def last_frame(self) -> int:
        """The highest frame number, 0 when there are no rows."""
        return int(self.frames.max()) if len(self) else 0

    def select(self, mask: npt.NDArray[np.bool_]) -> MotSequence:
        """The rows where ``mask`` is true."""
        return MotSequence(
            self.frames[mask],
            self.ids[mask],
            self.boxes[mask],
            self.confidences[mask],
            self.classes[mask],
            self.visibility[mask],
        )

    def with_frames(self, frames: IntArray) -> MotSequence:
        """The same rows renumbered to ``frames``."""
        return MotSequence(
            frames, self.ids, self.boxes, self.confidences, self.classes, self.visibility
        )


def read_mot(path: Path) -> MotSequence:
    """Read and validate one MOTChallenge file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MotFormatError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MotFormatError(f"{path}: cannot read a MOT text file ({error})") from None
    return parse_mot(text, str(path))


def parse_mot(text: str, source: str = "<text>") -> MotSequence:
    """Parse MOTChallenge rows; ``source`` names the input in error messages."""
    rows: list[list[float]] = []
    seen: dict[tuple[int, int], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = _parse_row(line, f"{source}:{number}")
        key = (int(row[0]), int(row[1]))
        if key[1] >= 0 and key in seen:
            raise MotFormatError(
                f"{source}:{number}: id {key[1]} appears twice in frame {key[0]}"
                f" (first on line {seen[key]})"
            )
        seen[key] = number
        rows.append(row)
    if not rows:
        return MotSequence.empty()
    return MotSequence.from_columns(np.array(rows))


def _parse_row(line: str, where: str) -> list[float]:
    fields = line.split(",") if "," in line else line.split()
    if len(fields) < MIN_COLUMNS:
        raise MotFormatError(
            f"{where}: expected at least {MIN_COLUMNS} comma-separated columns"
            f" (frame,id,left,top,width,height), got {len(fields)}"
        )
    try:
        values = [float(field) for field in fields[:9]]
    except ValueError:
        raise MotFormatError(f"{where}: not a number in {line.strip()!r}") from None
    frame, track_id, _, _, width, height = values[:6]
    if not all(math.isfinite(value) for value in values[:6]):
        raise MotFormatError(f"{where}: frame, id and box must be finite numbers")
    if frame < 1 or frame != int(frame):
        raise MotFormatError(f"{where}: frame must be a whole number from 1, got {fields[0]}")
    if track_id != int(track_id):
        raise MotFormatError(f"{where}: id must be a whole number, got {fields[1]}")
    if width < 0 or height < 0:
        raise MotFormatError(f"{where}: width and height must not be negative")
    return values + [-1.0] * (9 - len(values))


def format_mot(sequence: MotSequence) -> str:
    """MOTChallenge text for ``sequence``: ten columns, boxes to 1/100 pixel."""
    lines = []
    for i in range(len(sequence)):
        left, top, width, height = sequence.boxes[i]
        visibility = sequence.visibility[i]
        lines.append(
            f"{sequence.frames[i]},{sequence.ids[i]},{left:.2f},{top:.2f},{width:.2f},"
            f"{height:.2f},{sequence.confidences[i]:.4g},{sequence.classes[i]},"
            f"{visibility:.4g},-1\n"
        )
    return "".join(lines)


def write_mot(path: Path, sequence: MotSequence) -> None:
    """Write ``sequence`` to ``path``, creating missing folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_mot(sequence), encoding="utf-8")

"""A sink that turns each frame's tracks into text lines appended to one file."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path

from outputs.errors import open_for_writing, write_error
from outputs.records import FrameResult, FrameSink


class TextLinesSink(FrameSink):
    """Opens ``path`` at once (so a bad path fails before work starts). Frames a stride skipped
    are written too, with the tracker's predicted boxes (``FrameResult.analysed`` is False)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open_for_writing(path)

    @abstractmethod
    def lines(self, result: FrameResult) -> list[str]:
        """The text for one frame, each line ending in a newline."""

    def write(self, result: FrameResult) -> None:
        try:
            self._file.writelines(self.lines(result))
        except OSError as error:
            raise write_error(self.path, error) from None

    def close(self) -> None:
        try:
            self._file.close()  # flushes: a full disk often shows only here
        except OSError as error:
            raise write_error(self.path, error) from None

"""A sink that turns each analysed frame into text lines appended to one file."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path

from outputs.errors import open_for_writing, write_error
from outputs.records import FrameResult, FrameSink


class TextLinesSink(FrameSink):
    """Opens ``path`` at once (so a bad path fails before work starts); skips stride-held frames."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open_for_writing(path)

    @abstractmethod
    def lines(self, result: FrameResult) -> list[str]:
        """The text for one analysed frame, each line ending in a newline."""

    def write(self, result: FrameResult) -> None:
        if not result.analysed:
            return
        try:
            self._file.writelines(self.lines(result))
        except OSError as error:
            raise write_error(self.path, error) from None

    def close(self) -> None:
        try:
            self._file.close()  # flushes: a full disk often shows only here
        except OSError as error:
            raise write_error(self.path, error) from None

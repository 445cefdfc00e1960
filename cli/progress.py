"""A progress bar on stderr: frames done, fps and ETA."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from tqdm import tqdm


class ProgressBar:
    """Thread-safe: the job's writer thread calls :meth:`update` with the running frame count."""

    def __init__(self, total: int | None, description: str, *, enabled: bool = True) -> None:
        self._bar = tqdm(
            total=total, desc=description, unit="frame", dynamic_ncols=True, disable=not enabled
        )
        self._done = 0

    def update(self, done: int) -> None:
        self._bar.update(done - self._done)
        self._done = done

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:  # the error's one line is all that should stay on screen
            self._bar.leave = False
        self._bar.close()

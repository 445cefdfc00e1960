"""Progress bars on stderr: frames done, fps and ETA of a file; files done of a batch."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from tqdm import tqdm

if TYPE_CHECKING:
    from runtime.batch import BatchCounts


class _Bar:
    """A tqdm bar closed on exit; after an error it leaves the screen to the error's line."""

    def __init__(self, total: int | None, description: str, unit: str, *, enabled: bool) -> None:
        self._bar = tqdm(
            total=total, desc=description, unit=unit, dynamic_ncols=True, disable=not enabled
        )

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


class ProgressBar(_Bar):
    """Thread-safe: the job's writer thread calls :meth:`update` with the running frame count."""

    def __init__(self, total: int | None, description: str, *, enabled: bool = True) -> None:
        super().__init__(total, description, "frame", enabled=enabled)
        self._done = 0

    def update(self, done: int) -> None:
        self._bar.update(done - self._done)
        self._done = done


class BatchBar(_Bar):
    """Whole-batch progress: files finished out of all, with running, failed and frames."""

    def __init__(self, files: int, *, enabled: bool = True) -> None:
        super().__init__(files, "files", "file", enabled=enabled)
        self._finished = 0

    def update(self, counts: BatchCounts) -> None:
        finished = counts.done + counts.failed
        self._bar.set_postfix(
            running=counts.running, failed=counts.failed, frames=counts.frames, refresh=False
        )
        self._bar.update(finished - self._finished)
        self._finished = finished

"""Threads joined by bounded, blocking queues: the batch (never drop a frame) flavour of a pipeline.

Each stage runs in its own thread, passes items downstream through a bounded queue, ends the stream
with a sentinel, and hands any exception to whoever joins it. ``stop()`` makes every blocking put
or get give up within ``POLL_S``, so a failing stage never leaves the others hanging.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

POLL_S = 0.1


class _End:
    """Marks the end of a stage's output."""


END = _End()


class StoppedError(Exception):
    """Raised inside a stage when the job was stopped."""


class Channel(Generic[T]):
    """A bounded queue between two stages that can be abandoned by either side."""

    def __init__(self, maxsize: int, stop: threading.Event) -> None:
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=maxsize)
        self._stop = stop

    def put(self, item: T | _End) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=POLL_S)
                return
            except queue.Full:
                continue
        raise StoppedError

    def put_end(self) -> None:
        """Tell the reader that nothing more will come."""
        self.put(END)

    def __iter__(self) -> Iterator[T]:
        while True:
            try:
                item = self._queue.get(timeout=POLL_S)
            except queue.Empty:
                if self._stop.is_set():
                    raise StoppedError from None
                continue
            if isinstance(item, _End):
                return
            yield item


class Stage(threading.Thread):
    """Runs ``work`` in a thread; the first exception is kept for :meth:`join_and_raise`."""

    def __init__(self, name: str, work: Callable[[], None], stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self._work = work
        self._stop_event = stop
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._work()
        except StoppedError:
            pass
        except BaseException as error:
            self.error = error
            self._stop_event.set()

    def join_and_raise(self, timeout: float | None = None) -> None:
        self.join(timeout)
        if self.error is not None:
            raise self.error


def feed(items: Iterable[T], channel: Channel[T]) -> None:
    """Put every item into ``channel``, then the end marker."""
    for item in items:
        channel.put(item)
    channel.put_end()

"""A one-item slot that always holds the newest value: live consumers never fall behind."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """``put`` replaces whatever is there (counting it as dropped if nobody took it); ``take``
    waits for a value newer than the last one taken. Safe between threads."""

    def __init__(self, on_put: Callable[[], None] | None = None) -> None:
        """``on_put`` runs after every put, outside the lock (to wake a consumer of many slots)."""
        self._on_put = on_put
        self._condition = threading.Condition()
        self._value: T | None = None
        self._fresh = False
        self._closed = False
        self.put_count = 0
        self.taken_count = 0
        self.dropped_count = 0

    def put(self, value: T) -> None:
        with self._condition:
            if self._fresh:
                self.dropped_count += 1
            self._value = value
            self._fresh = True
            self.put_count += 1
            self._condition.notify_all()
        if self._on_put is not None:
            self._on_put()

    def take_nowait(self) -> T | None:
        """The newest value not yet taken, or None at once."""
        return self.take(0)

    def take(self, timeout: float | None = None) -> T | None:
        """The newest value not yet taken, or None after ``timeout`` or once closed."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._fresh or self._closed, timeout):
                return None
            if not self._fresh:
                return None
            self._fresh = False
            self.taken_count += 1
            return self._value

    @property
    def pending(self) -> int:
        """1 while a value waits to be taken, else 0 (the slot's queue depth)."""
        return int(self._fresh)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Wake every waiting ``take`` (and ``on_put``); later takes return what is left, then
        None."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        if self._on_put is not None:
            self._on_put()

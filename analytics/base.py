"""The analyser port: fed every analysed frame of one camera, in order, on one thread."""

from __future__ import annotations

from abc import ABC, abstractmethod

from outputs.records import FrameResult


class Analyser(ABC):
    """Per-camera analysis state. ``update`` sees every analysed frame in order; ``finish`` is
    called once when the camera stops, to close whatever is still open (e.g. end live tracks)."""

    @abstractmethod
    def update(self, result: FrameResult) -> None: ...

    @abstractmethod
    def finish(self, now: float) -> None: ...

"""Camera state and the health record that operators and the API see."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum


class CameraState(StrEnum):
    """Where a live camera is in its reconnect cycle.

    ``starting`` (added, its detector's model still loading) → ``connecting`` → ``streaming`` →
    (``stalled`` →) ``backoff`` → ``connecting``; ``stopped`` after :meth:`stop` or the end of a
    non-looping file; ``failed`` when retrying cannot help (bad URL, not a video).
    """

    STARTING = "starting"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    STALLED = "stalled"
    BACKOFF = "backoff"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CameraHealth:
    """A snapshot of one camera. Times are wall-clock seconds (``time.time()``)."""

    camera_id: str
    url: str
    """Credentials redacted."""
    state: CameraState
    since: float
    last_frame_at: float | None
    reconnects: int
    last_error: str | None
    fps_in: float
    frames_in: int
    frames_dropped: int
    """Frames replaced in the latest-frame slot before anyone took them."""
    probes: int = 0
    """Reachability probes of the source while in backoff (see :mod:`stream.recovery`)."""


class RateMeter:
    """Events per second over the last ``window_s`` seconds (monotonic clock)."""

    def __init__(self, window_s: float = 5.0) -> None:
        self._window_s = window_s
        self._times: deque[float] = deque()

    def tick(self, now: float) -> None:
        self._times.append(now)
        self._trim(now)

    def rate(self, now: float) -> float:
        self._trim(now)
        if len(self._times) < 2:
            return 0.0
        span = max(now - self._times[0], self._times[-1] - self._times[0])
        return (len(self._times) - 1) / span if span > 0 else 0.0

    def _trim(self, now: float) -> None:
        while self._times and now - self._times[0] > self._window_s:
            self._times.popleft()

"""One live camera: a decoding thread that reconnects forever and keeps only the newest frame.

The thread opens the source with open and read timeouts, so a dead host never blocks it for long;
a stream that stops delivering frames is abandoned after ``stall_timeout_s``; every failure waits an
exponential, jittered backoff before the next attempt, reset once streaming has been stable; a
network camera probes its server during the wait and opens as soon as it answers
(:mod:`stream.recovery`). URLs that can never work put the camera in ``failed`` instead. No frame
is ever invented: the slot only holds frames that were decoded.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from stream.backoff import MAX_DELAY_S, MIN_DELAY_S, Backoff
from stream.clip_writer import REMUXABLE_CODECS
from stream.errors import (
    NotAVideoError,
    SourceError,
    SourceNotFoundError,
    SourceStalledError,
    UnsupportedSourceError,
)
from stream.frames import VideoFrame
from stream.health import CameraHealth, CameraState, RateMeter
from stream.latest import LatestSlot
from stream.packet_ring import PacketRing
from stream.policy import SourcePolicy
from stream.probe import PROBE_TIMEOUT_S, ReachabilityProbe, probe_target
from stream.recovery import RecoveryWait
from stream.redact import redact_error, redact_text, redact_url
from stream.source import VideoSource
from stream.urls import classify
from stream.worker import Worker

log = logging.getLogger(__name__)

PERMANENT_ERRORS = (UnsupportedSourceError, NotAVideoError, SourceNotFoundError)


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """Connection behaviour of one camera (the YAML ``reconnect`` block plus transport)."""

    rtsp_transport: str = "tcp"
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 10.0
    stable_after_s: float = 30.0
    stall_timeout_s: float = 5.0
    open_timeout_s: float = 10.0
    read_timeout_s: float = 5.0
    realtime: bool = True
    """Files only: deliver frames at the file's own pace, like a camera."""
    loop: bool = False
    """Files only: start again at the end instead of stopping."""
    decode_threads: int = 0
    """FFmpeg's decoding threads; 0 lets it choose (the service gives each camera one)."""
    probe_interval_s: float = 0.25
    """Network cameras in backoff check their server this often and open as soon as it answers;
    0 turns the probes off (each backoff delay is then slept in full)."""

    @property
    def effective_read_timeout_s(self) -> float:
        """FFmpeg gives up on a blocked read after about twice its read timeout; keep that within
        the stall timeout."""
        return min(self.read_timeout_s, self.stall_timeout_s / 2)


@dataclass(frozen=True, slots=True)
class Transition:
    at: float
    state: CameraState
    error: str | None


class LiveCamera(Worker):
    """Decodes ``url`` on its own thread into :attr:`frames` until :meth:`stop`."""

    def __init__(
        self,
        camera_id: str,
        url: str,
        settings: LiveSettings | None = None,
        *,
        rng: random.Random | None = None,
        on_frame: Callable[[], None] | None = None,
        policy: SourcePolicy | None = None,
        ring: PacketRing | None = None,
        remux: bool = True,
    ) -> None:
        """``on_frame`` is called (from the decoding thread) after each new frame is in
        :attr:`frames`, so one consumer can wait on many cameras. ``policy``, checked before each
        connection, decides what the URL may reach (a camera it refuses goes to ``failed``).
        ``ring`` keeps the stream's encoded packets for clips; each connection restarts it, and
        one whose codec cannot be remuxed leaves it empty (see :attr:`remuxing`). With
        ``remux`` False the camera never writes the ring: it only holds it for its readers (its
        clips are encoded from its published frames, e.g. privacy-masked ones)."""
        super().__init__(f"camera-{camera_id}")
        self.camera_id = camera_id
        self.url = url
        self.display_url = redact_url(url)
        self.settings = settings or LiveSettings()
        self._policy = policy
        self.ring = ring
        self._remux = remux
        self.remuxing = False
        """The current connection's packets go into :attr:`ring` (its codec can be remuxed);
        otherwise clips, if any, are encoded from the published frames."""
        self.frames: LatestSlot[VideoFrame] = LatestSlot(on_put=on_frame)
        self.history: deque[Transition] = deque(maxlen=256)
        self._backoff = Backoff.bounded(
            self.settings.backoff_initial_s, self.settings.backoff_max_s, rng=rng
        )
        self._probe_target = probe_target(url)
        self._recovery = RecoveryWait(
            _probe_interval(self.settings.probe_interval_s), sleep=self.wait
        )
        self._lock = threading.Lock()
        self._state = CameraState.CONNECTING
        self._since = time.time()
        self._last_error: str | None = None
        self._last_frame_at: float | None = None
        self._last_frame_mono: float | None = None
        self._reconnects = 0
        self._sequence = 0
        self._rate = RateMeter()
        self.source_fps: float | None = None
        """The frame rate the stream announced at the latest connection."""
        self.unexpected_errors = 0
        """Errors other than a source's own (bugs, unchecked settings), each retried."""

    # -- control -------------------------------------------------------------------------------

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Ask the thread to finish and wait for it; True if it did within ``timeout_s``.

        A thread blocked in a network read finishes when the read timeout fires.
        """
        return super().stop(timeout_s)

    def wake(self) -> None:
        """Consumers waiting for a frame see the camera stop at once."""
        self.frames.close()

    @property
    def streaming(self) -> bool:
        """True while frames are arriving (a cheap read of the state, no watchdog check)."""
        return self._state is CameraState.STREAMING

    def health(self) -> CameraHealth:
        """A snapshot; a camera that has gone ``stall_timeout_s`` without a frame shows ``stalled``
        at once, even while its thread still waits for the read timeout."""
        now = time.monotonic()
        with self._lock:
            silent = self._last_frame_mono is not None and (
                now - self._last_frame_mono > self.settings.stall_timeout_s
            )
            if self._state is CameraState.STREAMING and silent:
                self._transition(CameraState.STALLED, "no frame within the stall timeout")
            return CameraHealth(
                camera_id=self.camera_id,
                url=self.display_url,
                state=self._state,
                since=self._since,
                last_frame_at=self._last_frame_at,
                reconnects=self._reconnects,
                last_error=self._last_error,
                fps_in=self._rate.rate(now),
                frames_in=self._sequence,
                frames_dropped=self.frames.dropped_count,
                probes=self._recovery.probes,
            )

    # -- the decoding thread -------------------------------------------------------------------

    def run(self) -> None:
        first = True
        while not self.stopping:
            if not first:
                with self._lock:
                    self._reconnects += 1
            first = False
            try:
                if not self._attempt():
                    break
            except Exception as error:  # a bug or an unchecked setting: never end silently
                self._unexpected(error)
        if self.stopping:
            self._set_state(CameraState.STOPPED)

    def _attempt(self) -> bool:
        """Connect once and stream until the source ends; False when the thread should end."""
        self._set_state(CameraState.CONNECTING)
        self.heartbeat.beat(self.settings.open_timeout_s + self.settings.read_timeout_s)
        try:
            source = self._open()
        except PERMANENT_ERRORS as error:
            if not self._may_come_back(error):
                self._set_state(CameraState.FAILED, str(error))
                return False
            self._wait_backoff(str(error), delivered=False)
            return True
        except SourceError as error:
            self._wait_backoff(str(error), delivered=False)
            return True
        self.source_fps = source.info.fps
        if self.ring is not None and self._remux:
            template = source.template()
            self.remuxing = template.codec in REMUXABLE_CODECS
            self.ring.restart(template if self.remuxing else None)
        first_sequence = self._sequence
        with source:
            outcome = self._stream(source)
        if self.stopping:
            return False
        if outcome is None:  # a file that ended and does not loop
            self._set_state(CameraState.STOPPED, "end of file")
            return False
        if not (source.kind.file and self.settings.loop and outcome == "end of stream"):
            self._wait_backoff(outcome, delivered=self._sequence > first_sequence)
        return True

    def _unexpected(self, error: Exception) -> None:
        """Show ``failed`` with the error (redacted), log its traceback the first time, and retry
        after the backoff (bounded, so no setting can overflow it or spin the loop)."""
        self.unexpected_errors += 1
        reason = redact_error(error, self.url)
        if self.unexpected_errors == 1:
            log.error(
                "camera %s: unexpected error in its decoder (%s); retrying with backoff\n%s",
                self.camera_id,
                reason,
                "".join(traceback.format_tb(error.__traceback__)).rstrip(),
                extra={"camera": self.camera_id},
            )
        delay = self._backoff.next_delay()
        self._set_state(
            CameraState.FAILED, f"unexpected error: {reason}; retrying in {delay:.1f} s"
        )
        self.heartbeat.beat(delay)
        self.wait(delay)

    def _may_come_back(self, error: SourceError) -> bool:
        """A missing webcam device may be plugged in again; a missing file or bad URL will not."""
        return isinstance(error, SourceNotFoundError) and classify(self.url).device

    def _open(self) -> VideoSource:
        classify(self.url)  # the camera allowlist: no raw or listening protocols
        if self._policy is not None:  # resolves host names here, just before FFmpeg connects
            self._policy.check(self.url)
        return VideoSource(
            self.url,
            source_id=self.camera_id,
            open_timeout_s=self.settings.open_timeout_s,
            read_timeout_s=self.settings.effective_read_timeout_s,
            rtsp_transport=self.settings.rtsp_transport,
            decode_threads=self.settings.decode_threads,
        )

    def _stream(self, source: VideoSource) -> str | None:
        """Deliver frames until the source ends or stalls; say why it ended (None: file done)."""
        started = time.monotonic()
        pacer = _Pacer() if source.kind.file and self.settings.realtime else None
        try:
            for frame in source.frames(
                stall_timeout_s=self.settings.stall_timeout_s,
                ring=self.ring if self.remuxing else None,
            ):
                if self.stopping:
                    return "stopped"
                delay = pacer.delay(frame) if pacer is not None else 0.0
                self.heartbeat.beat(delay + self.settings.stall_timeout_s)
                if delay > 0 and self.wait(delay):
                    return "stopped"
                self._deliver(frame)
                if (
                    self._backoff.attempt
                    and time.monotonic() - started >= self.settings.stable_after_s
                ):
                    self._backoff.reset()
        except SourceStalledError as error:
            self._set_state(CameraState.STALLED, str(error))
            return str(error)
        if source.kind.file and not self.settings.loop and source.stats.last_error is None:
            return None
        reason = source.stats.last_error or "end of stream"
        if source.stats.last_error:
            self._set_state(CameraState.STALLED, reason)
        return reason

    def _deliver(self, frame: VideoFrame) -> None:
        now_wall, now_mono = time.time(), time.monotonic()
        with self._lock:
            sequenced = replace(frame, index=self._sequence, received_at=now_wall)
            self._sequence += 1
            self._last_frame_at = now_wall
            self._last_frame_mono = now_mono
            self._rate.tick(now_mono)
            if self._state is not CameraState.STREAMING:
                self._transition(CameraState.STREAMING, None)
        self.frames.put(sequenced)

    def _wait_backoff(self, reason: str, *, delivered: bool) -> None:
        """Wait the next backoff delay; a network camera's server is probed meanwhile and the
        wait ends as soon as it answers. ``delivered``: the attempt brought a frame."""
        self._recovery.attempt_ended(delivered=delivered)
        delay = self._backoff.next_delay()
        target = self._probe_target
        probe = None if target is None else ReachabilityProbe(target, self._policy, self._stop)
        sooner = ", sooner if it answers" if probe is not None and self._recovery.probing else ""
        self._set_state(CameraState.BACKOFF, f"{reason}; retrying in {delay:.1f} s{sooner}")
        self.heartbeat.beat(delay + PROBE_TIMEOUT_S)
        self._recovery.wait(delay, probe)

    def _set_state(self, state: CameraState, error: str | None = None) -> None:
        with self._lock:
            self._transition(state, error)

    def _transition(self, state: CameraState, error: str | None) -> None:
        """Caller holds the lock. ``error`` is redacted here, whatever raised it."""
        if error is not None:
            error = self._last_error = redact_text(error)
        if state is self._state and error is None:
            return
        log_level = (
            logging.WARNING if state in (CameraState.FAILED, CameraState.BACKOFF) else logging.INFO
        )
        log.log(
            log_level,
            "camera %s (%s): %s -> %s%s",
            self.camera_id,
            self.display_url,
            self._state.value,
            state.value,
            f" ({error})" if error else "",
            extra={"camera": self.camera_id},  # a field of its own in JSON logs
        )
        self._state = state
        self._since = time.time()
        self.history.append(Transition(time.monotonic(), state, error))


def _probe_interval(seconds: float) -> float:
    """Unchecked settings: NaN or less than nothing turns probes off, and no interval is so short
    that probes spin (``Backoff.bounded``'s minimum)."""
    if math.isnan(seconds) or seconds <= 0:
        return 0.0
    return min(MAX_DELAY_S, max(MIN_DELAY_S, seconds))


class _Pacer:
    """Releases file frames at their presentation times, as a camera would send them."""

    def __init__(self) -> None:
        self._origin: tuple[float, float] | None = None

    def delay(self, frame: VideoFrame) -> float:
        """Seconds until ``frame`` is due."""
        if frame.pts is None:
            return 0.0
        if self._origin is None:
            self._origin = (time.monotonic(), frame.pts)
        started, first_pts = self._origin
        return started + (frame.pts - first_pts) - time.monotonic()

"""One camera's continuous recording: its packet stream, as the ring gets it, into MP4 segments.

The recorder taps the camera's :class:`~stream.packet_ring.PacketRing` (so whatever feeds the
ring, remuxed or re-encoded, is recorded too). :meth:`Recorder.push` runs on the decoding thread
and never blocks: it appends to a bounded queue, and a packet that finds the queue full is
dropped and counted (the segment being written ends there and the next starts at a keyframe).
The recorder's own thread writes segments of ``segment_s`` (cut at the first keyframe after it)
and applies retention (by age, then by bytes, oldest first) after each segment and every
:data:`RETENTION_INTERVAL_S`.

A write that fails (a full disk, a folder that cannot be written) stops recording: the segment
being written is deleted, the error is counted and shown in :meth:`Recorder.stats` (the camera's
health), and every :data:`RETRY_S` the recorder tries again at the next keyframe, so recording
resumes by itself once there is space. The camera, its ring and its events carry on meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import av

from stream.clip_writer import ClipUnsupportedError
from stream.packet_ring import EncodedPacket, StreamTemplate
from stream.segments import Segment, SegmentFile, list_segments, remove_partial
from stream.worker import Worker

log = logging.getLogger(__name__)

QUEUE_PACKETS = 2000
"""Packets waiting for the disk at most (about a minute of a 30 fps camera)."""
RETRY_S = 5.0
"""After a failed write, how long before recording is tried again."""
RETENTION_INTERVAL_S = 10.0


class RecordingState(StrEnum):
    RECORDING = "recording"
    WAITING = "waiting for video"
    """No stream yet (or since a reconnection), or waiting for a keyframe."""
    STOPPED = "stopped"
    """Writing failed (``message`` says why); retried every few seconds."""


@dataclass(frozen=True, slots=True)
class RecordingSettings:
    segment_s: float
    retain_s: float
    max_bytes: int


@dataclass(frozen=True, slots=True)
class RecorderStats:
    state: RecordingState
    message: str | None
    """Why recording stopped (e.g. ``[Errno 28] No space left on device``), else None."""
    bytes: int
    """Bytes of finished segments on disk."""
    segments: int
    write_errors: int
    dropped_packets: int
    """Packets the disk did not keep up with (the queue was full)."""
    deleted_segments: int
    """Segments deleted by retention."""


class _Restart:
    def __init__(self, template: StreamTemplate | None) -> None:
        self.template = template


class _Gap:
    """Packets were dropped here."""


_GAP = _Gap()
_Item = EncodedPacket | _Restart | _Gap


class Recorder(Worker):
    """Writes one camera's segments under ``folder`` on a thread of its own."""

    def __init__(
        self,
        camera_id: str,
        folder: Path,
        settings: RecordingSettings,
        *,
        queue_packets: int = QUEUE_PACKETS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(f"recorder-{camera_id}")
        self.camera_id = camera_id
        self.folder = folder
        self.settings = settings
        self._clock = clock
        self._capacity = queue_packets
        self._ready = threading.Condition()
        self._items: deque[_Item] = deque()
        self._queued_packets = 0
        self._gap_marked = False
        self._dropped = 0
        # the writing thread's own state (read by stats() under _ready)
        self._template: StreamTemplate | None = None
        self._segment: SegmentFile | None = None
        self._state = RecordingState.WAITING
        self._message: str | None = None
        self._retry_at = 0.0
        self._write_errors = 0
        self._deleted = 0
        self._on_disk: tuple[int, int] = (0, 0)
        self._retained_at = 0.0

    # -- the decoding thread (PacketSink) --------------------------------------------------------

    def restart(self, template: StreamTemplate | None) -> None:
        with self._ready:
            self._items.append(_Restart(template))
            self._ready.notify()

    def push(self, packet: EncodedPacket) -> None:
        with self._ready:
            if self._queued_packets >= self._capacity:
                self._dropped += 1
                if not self._gap_marked:
                    self._items.append(_GAP)
                    self._gap_marked = True
                return
            self._gap_marked = False
            self._items.append(packet)
            self._queued_packets += 1
            self._ready.notify()

    # -- anyone ----------------------------------------------------------------------------------

    def stats(self) -> RecorderStats:
        with self._ready:
            segments, size = self._on_disk
            return RecorderStats(
                state=self._state,
                message=self._message,
                bytes=size,
                segments=segments,
                write_errors=self._write_errors,
                dropped_packets=self._dropped,
                deleted_segments=self._deleted,
            )

    @property
    def queued(self) -> int:
        """Items waiting for the recorder's thread (packets and markers)."""
        with self._ready:
            return len(self._items)

    def segments(self) -> list[Segment]:
        return list_segments(self.folder)

    def wake(self) -> None:
        with self._ready:
            self._ready.notify_all()

    # -- the recorder's thread -------------------------------------------------------------------

    def run(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_partial(self.folder)
        except OSError as error:
            self._fail(error)
        self._retain()
        try:
            while not self.stopping:
                item = self._take()
                if item is not None:
                    self._handle(item)
                if self._clock() - self._retained_at >= RETENTION_INTERVAL_S:
                    self._retain()
        finally:
            self._close_segment()
            self._retain()

    def _take(self) -> _Item | None:
        self.heartbeat.beat(RETENTION_INTERVAL_S + 5.0)
        with self._ready:
            if not self._items:
                if not self.stopping:
                    self._ready.wait(1.0)
                if not self._items:
                    return None
            item = self._items.popleft()
            if isinstance(item, EncodedPacket):
                self._queued_packets -= 1
            return item

    def _handle(self, item: _Item) -> None:
        if isinstance(item, _Restart):
            self._close_segment()
            self._template = item.template
            self._set_state(RecordingState.WAITING)
        elif isinstance(item, _Gap):
            self._close_segment()
        else:
            self._write(item)

    def _write(self, packet: EncodedPacket) -> None:
        template = self._template
        if template is None:
            return
        segment = self._segment
        long_enough = segment is not None and packet.at - segment.start >= self.settings.segment_s
        if long_enough and packet.keyframe:
            self._close_segment()
            segment = None
        if segment is None:
            if not packet.keyframe or self._clock() < self._retry_at:
                return
            try:
                segment = self._segment = SegmentFile(self.folder, template, packet)
            except ClipUnsupportedError as error:
                self._fail(error, retry=False)
                return
            except (OSError, av.error.FFmpegError) as error:
                self._fail(error)
                return
        try:
            segment.write(packet)
        except (OSError, av.error.FFmpegError, ValueError) as error:
            self._fail(error)
            return
        if self._state is RecordingState.WAITING:  # (a stopped recorder resumes once a
            self._set_state(RecordingState.RECORDING)  # segment is wholly written)

    def _close_segment(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        try:
            segment.close()
        except (OSError, av.error.FFmpegError, ValueError) as error:
            segment.abort()
            self._fail(error)
            return
        if self._state is RecordingState.STOPPED:
            log.info(
                "camera %s: recording resumed", self.camera_id, extra={"camera": self.camera_id}
            )
        self._set_state(RecordingState.RECORDING)
        self._retain()

    def _fail(self, error: Exception, *, retry: bool = True) -> None:
        """Stop recording after ``error``: delete the segment being written, say why, and try
        again after :data:`RETRY_S` (never, for a codec that cannot be recorded)."""
        segment, self._segment = self._segment, None
        if segment is not None:
            segment.abort()
        message = f"recording stopped: {error}"
        with self._ready:
            self._write_errors += 1
            first = self._state is not RecordingState.STOPPED
            self._state, self._message = RecordingState.STOPPED, message
        self._retry_at = self._clock() + RETRY_S if retry else float("inf")
        if first:
            log.warning("camera %s: %s", self.camera_id, message, extra={"camera": self.camera_id})

    def _set_state(self, state: RecordingState) -> None:
        with self._ready:
            if self._state is RecordingState.STOPPED and state is RecordingState.WAITING:
                return  # still stopped until a segment is written again
            self._state = state
            self._message = None

    def _retain(self) -> None:
        """Delete segments older than ``retain_s``, then the oldest while over ``max_bytes``."""
        self._retained_at = now = self._clock()
        segments = list_segments(self.folder)
        total = sum(segment.bytes for segment in segments)
        deleted = 0
        while segments:
            oldest = segments[0]
            if oldest.end >= now - self.settings.retain_s and total <= self.settings.max_bytes:
                break
            try:
                oldest.path.unlink(missing_ok=True)
            except OSError as error:
                log.warning("camera %s: cannot delete %s: %s", self.camera_id, oldest.path, error)
                break
            segments.pop(0)
            total -= oldest.bytes
            deleted += 1
        with self._ready:
            self._deleted += deleted
            self._on_disk = (len(segments), total)

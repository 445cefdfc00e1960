"""H.264-encode a camera's published frames into its packet ring, for clips that cannot be remuxed.

A camera whose stream cannot be remuxed (MJPEG, WHIP, codecs other than H.264), or whose
published frames are masked for privacy (its own packets would show what the mask hides), gets
its clips from the frames it publishes instead. :meth:`ClipEncoder.offer` is called on the
publishing thread and never blocks: the frame goes into a small bounded queue, or is dropped and
counted when the queue is full (the encoder is behind). The encoder's own thread shrinks each frame
to at most :attr:`EncoderSettings.max_size` pixels on its longer side, encodes it with libx264
(``ultrafast``, ``zerolatency``: no B-frames, one packet per frame, one thread) with a keyframe
every :attr:`EncoderSettings.keyframe_interval_s`, and pushes the packets into the same
:class:`~stream.packet_ring.PacketRing` the remuxing path fills, so clip writing (and whatever
else reads the ring) works unchanged. Timestamps are the frames' wall-clock times, so a variable
frame rate (motion gating, dropped frames) plays at its real speed.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error
import numpy as np
import numpy.typing as npt
from av.codec.context import Flags

from stream.packet_ring import EncodedPacket, PacketRing, StreamTemplate
from stream.worker import Worker

log = logging.getLogger(__name__)

TIME_BASE = Fraction(1, 90_000)
IDLE_WAIT_S = 1.0
"""How long the encoding thread waits for a frame before it beats its heartbeat again."""

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class EncoderSettings:
    max_size: int = 640
    """Longer side of the encoded picture at most, in pixels (frames are shrunk, never enlarged)."""
    keyframe_interval_s: float = 1.0
    """A keyframe at least this often: a clip starts at most this much before it must."""
    crf: int = 28
    """libx264's constant quality (lower is better and larger)."""
    max_bitrate: int = 1_000_000
    """Bits per second at most (libx264's VBV), whatever the scene does."""
    queue_frames: int = 4
    """Frames waiting for the encoder at most; more are dropped (and counted)."""


@dataclass(frozen=True, slots=True)
class EncoderStats:
    encoded: int
    """Frames encoded into the ring."""
    dropped: int
    """Frames dropped because the encoder was behind (its queue was full)."""
    errors: int
    """Frames the encoder failed on (each restarts it)."""
    displaced: int
    """Frames not encoded because the camera's own packets held the ring."""
    encode_seconds: float
    """Time spent converting and encoding, in total."""


@dataclass(frozen=True, slots=True)
class _Offered:
    image: Image
    at: float


class _Session:
    """One libx264 encoder for one input frame size, and the template its packets carry."""

    def __init__(self, width: int, height: int, settings: EncoderSettings) -> None:
        self.input_size = (width, height)
        self.width, self.height = encoded_size(width, height, settings.max_size)
        context = av.CodecContext.create("libx264", "w")
        assert isinstance(context, av.VideoCodecContext)
        context.width, context.height, context.pix_fmt = self.width, self.height, "yuv420p"
        context.time_base = TIME_BASE
        context.flags |= Flags.global_header  # SPS/PPS in extradata, as an RTSP camera's
        context.thread_count = 1
        context.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "forced-idr": "1",
            "crf": str(settings.crf),
            "maxrate": str(settings.max_bitrate),
            "bufsize": str(2 * settings.max_bitrate),
            "g": "1000",  # keyframes are forced by time, below
        }
        context.open()
        self.context = context
        self.template = StreamTemplate(
            codec="h264",
            width=self.width,
            height=self.height,
            time_base=TIME_BASE,
            extradata=context.extradata,
        )
        self.origin: float | None = None
        self.last_pts = -1
        self.next_keyframe_at = float("-inf")

    def encode(self, item: _Offered, keyframe: bool) -> list[EncodedPacket]:
        if self.origin is None:
            self.origin = item.at
        pts = max(round((item.at - self.origin) / TIME_BASE), self.last_pts + 1)
        self.last_pts = pts
        frame = av.VideoFrame.from_ndarray(item.image, format="bgr24")
        frame = frame.reformat(self.width, self.height, "yuv420p", interpolation="AREA")
        frame.pts, frame.time_base = pts, TIME_BASE
        if keyframe or item.at >= self.next_keyframe_at:
            frame.pict_type = av.video.frame.PictureType.I
        packets = []
        for packet in self.context.encode(frame):
            if packet.pts is None:
                continue
            packets.append(
                EncodedPacket(
                    data=bytes(packet),
                    pts=packet.pts,
                    dts=packet.dts,
                    keyframe=packet.is_keyframe,
                    at=self.origin + float(packet.pts * TIME_BASE),
                )
            )
        return packets


def encoded_size(width: int, height: int, max_size: int) -> tuple[int, int]:
    """The frame's size shrunk (never enlarged) to ``max_size`` on its longer side, both sides
    even (4:2:0 needs it)."""
    scale = min(1.0, max_size / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


class ClipEncoder(Worker):
    """Encodes one camera's offered frames into its packet ring, on a thread of its own."""

    def __init__(
        self, camera_id: str, ring: PacketRing, settings: EncoderSettings | None = None
    ) -> None:
        super().__init__(f"clip-encoder-{camera_id}")
        self.camera_id = camera_id
        self.ring = ring
        self.settings = settings or EncoderSettings()
        self._queue: queue.Queue[_Offered | None] = queue.Queue(self.settings.queue_frames)
        self._lock = threading.Lock()
        self._encoded = 0
        self._dropped = 0
        self._errors = 0
        self._displaced = 0
        self._seconds = 0.0
        self._session: _Session | None = None
        self._claimed: StreamTemplate | None = None
        """The template this encoder last took the ring with."""
        self._owns_ring = False

    def offer(self, image: Image, at: float) -> bool:
        """Queue ``image`` (taken at wall-clock ``at``) for encoding; never blocks. False (and
        counted) when the encoder is behind and the frame is dropped. The image must not be
        changed afterwards (published frames are not)."""
        try:
            self._queue.put_nowait(_Offered(image, at))
        except queue.Full:
            with self._lock:
                self._dropped += 1
            return False
        return True

    def stats(self) -> EncoderStats:
        with self._lock:
            return EncoderStats(
                self._encoded, self._dropped, self._errors, self._displaced, self._seconds
            )

    def wake(self) -> None:
        with contextlib.suppress(queue.Full):  # full: it sees ``stopping`` after a frame
            self._queue.put_nowait(None)

    def run(self) -> None:
        try:
            while not self.stopping:
                self.heartbeat.beat(IDLE_WAIT_S + 5.0)
                try:
                    item = self._queue.get(timeout=IDLE_WAIT_S)
                except queue.Empty:
                    continue
                if item is not None and not self.stopping:
                    self._encode(item)
        finally:
            self._close()

    def _encode(self, item: _Offered) -> None:
        started = time.perf_counter()
        height, width = item.image.shape[:2]
        try:
            session = self._session_for(width, height)
            keyframe = False
            if not self._owns_ring:
                self._owns_ring = self.ring.claim(session.template, self._claimed)
                if not self._owns_ring:  # the camera's own packets fill the ring now
                    with self._lock:
                        self._displaced += 1
                    return
                self._claimed, keyframe = session.template, True
            packets = session.encode(item, keyframe)
        except (av.error.FFmpegError, ValueError) as error:
            self._failed(error)
            return
        pushed = True
        for packet in packets:
            if packet.keyframe:
                session.next_keyframe_at = packet.at + self.settings.keyframe_interval_s
            pushed = self.ring.push(packet, session.template)
            if not pushed:  # the camera's connection restarted the ring: no longer ours
                self._owns_ring = False
                break
        with self._lock:
            if pushed:
                self._encoded += 1
            else:
                self._displaced += 1
            self._seconds += time.perf_counter() - started

    def _session_for(self, width: int, height: int) -> _Session:
        session = self._session
        if session is not None and session.input_size == (width, height):
            return session
        self._close()
        self._session = _Session(width, height, self.settings)
        self._owns_ring = False  # the new size needs a ring restart with the new template
        return self._session

    def _failed(self, error: Exception) -> None:
        with self._lock:
            self._errors += 1
            first = self._errors == 1
        if first:
            log.warning(
                "camera %s: encoding a frame for clips failed (%s); starting the encoder again",
                self.camera_id,
                error,
                extra={"camera": self.camera_id},
            )
        self._close()

    def _close(self) -> None:
        self._session = None  # FFmpeg frees the encoder with the last reference

"""Open a video file or URL with PyAV and decode it frame by frame, surviving corrupt data.

A corrupt packet costs one frame, not the whole file: the decoder's error is counted and decoding
goes on with the next packet. A truncated file yields every frame before the cut.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import av
import av.container
import av.error
import av.video
import numpy as np

from stream.errors import (
    NotAVideoError,
    SourceNotFoundError,
    SourceOpenError,
    SourceStalledError,
    UnsupportedSourceError,
)
from stream.frames import BgrImage, VideoFrame
from stream.packet_ring import EncodedPacket, PacketRing, StreamTemplate
from stream.redact import redact_text, redact_url
from stream.resolve import cannot_resolve, unresolved_host
from stream.urls import classify, ffmpeg_format, ffmpeg_options

log = logging.getLogger(__name__)

STREAMING_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "rtmps"})

DEFAULT_FPS = 25.0
"""Frame rate assumed when a container states none (raw streams, some MJPEG feeds)."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the container says about its video stream, before decoding."""

    url: str
    """The source, credentials redacted."""
    width: int
    height: int
    fps: float
    frame_count: int | None
    """Frames the container announces, or None when it does not know (live streams, some MP4s)."""
    codec: str


@dataclass(slots=True)
class DecodeStats:
    """Running counts of a decode, for progress reports and the final summary."""

    decoded: int = 0
    corrupt_packets: int = 0
    read_errors: int = 0
    expected: int | None = None
    finished: bool = False
    """True once the input has been read to its end (or to an unrecoverable read error)."""
    last_error: str | None = None
    """The read error that ended decoding, if one did."""

    @property
    def skipped(self) -> int:
        """Frames announced but not decoded: corrupt packets, or frames lost to a truncation.

        Frames the container announced but were never reached (a reader that stopped early) are not
        counted: only a finished read can tell that frames are missing.
        """
        missing = self.expected - self.decoded if self.finished and self.expected else 0
        return max(self.corrupt_packets, missing)


class VideoSource:
    """A decoded view of one video input. Use as a context manager; iterate :meth:`frames` once."""

    def __init__(
        self,
        url: str,
        *,
        source_id: str | None = None,
        open_timeout_s: float = 10.0,
        read_timeout_s: float = 10.0,
        rtsp_transport: str = "tcp",
        decode_threads: int = 0,
    ) -> None:
        """``decode_threads``: FFmpeg's decoding threads, 0 for its own choice (one per core)."""
        self._url = url
        self._display = redact_url(url)
        self.source_id = source_id if source_id is not None else self._display
        self.kind = classify(url, command_line=True)  # cameras are checked before (live)
        self._container = _open_container(
            url,
            self._display,
            local=not self.kind.network,
            timeouts=(open_timeout_s, read_timeout_s),
            options=ffmpeg_options(url, rtsp_transport=rtsp_transport),
        )
        try:
            self._stream = _first_video_stream(self._container, self._display, self.kind.network)
        except BaseException:
            self._container.close()
            raise
        # Frame threads add a frame of delay per thread: fine for files, not for live video.
        self._stream.thread_type = "SLICE" if self.kind.network else "AUTO"
        if decode_threads:
            self._stream.codec_context.thread_count = decode_threads
        self.info = _describe(self._stream, self._display)
        self.stats = DecodeStats(expected=self.info.frame_count)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def template(self) -> StreamTemplate:
        """The video stream's muxing parameters (for clips remuxed from its packets)."""
        return StreamTemplate.of(self._stream)

    def frames(
        self, stall_timeout_s: float | None = None, ring: PacketRing | None = None
    ) -> Iterator[VideoFrame]:
        """Decode every frame that can be decoded, in order; count what cannot.

        With ``stall_timeout_s``, packets that bring no decodable frame for that long raise
        :class:`SourceStalledError` (a live stream that only sends garbage or keep-alives).
        With ``ring``, every demuxed video packet is also kept there, still encoded, before it
        is decoded.
        """
        last_frame = time.monotonic()
        for packet in self._packets():
            if ring is not None and packet.size:
                ring.push(encoded(packet))
            if stall_timeout_s is not None and time.monotonic() - last_frame > stall_timeout_s:
                raise SourceStalledError(
                    f"{self._display}: no decodable frame for {stall_timeout_s:g} s"
                )
            try:
                decoded = packet.decode()
            except av.error.FFmpegError as error:
                self.stats.corrupt_packets += 1
                log.debug("%s: skipped a corrupt packet: %s", self._display, _reason(error))
                continue
            for frame in decoded:
                if not isinstance(frame, av.VideoFrame):
                    continue
                index = self.stats.decoded
                self.stats.decoded += 1
                last_frame = time.monotonic()
                yield VideoFrame(
                    image=_bgr(frame),
                    index=index,
                    pts=frame.time,
                    received_at=time.time(),
                    source_id=self.source_id,
                )

    def _packets(self) -> Iterator[av.Packet[av.video.stream.VideoStream]]:
        demuxer = self._container.demux(self._stream)
        while True:
            try:
                packet = next(demuxer)
            except StopIteration:
                self.stats.finished = True
                return
            except av.error.FFmpegError as error:
                # A read error in the middle of a file means the rest is unreadable (truncation);
                # on a network source it is a timeout or a dropped connection.
                self.stats.read_errors += 1
                self.stats.finished = True
                self.stats.last_error = f"{type(error).__name__}: {_reason(error)}"
                log.warning("%s: stopped reading after an error: %s", self._display, _reason(error))
                return
            yield packet


def _open_container(
    url: str,
    display: str,
    *,
    local: bool,
    timeouts: tuple[float, float],
    options: dict[str, str],
) -> av.container.InputContainer:
    if local:
        path = Path(url.removeprefix("file://") if url.startswith("file://") else url)
        if not path.exists():
            raise SourceNotFoundError(f"no such file: {display}")
        if path.is_dir():
            raise NotAVideoError(f"{display} is a directory, not a video file")
    try:
        return av.open(url, mode="r", format=ffmpeg_format(url), options=options, timeout=timeouts)
    except av.error.InvalidDataError as error:
        if not local and urlsplit(url).scheme.lower() in STREAMING_SCHEMES:
            # an RTSP or RTMP server that answered garbage, or nothing before the timeout
            raise SourceOpenError(f"cannot connect to {display}") from None
        reason = _reason(error)
        raise NotAVideoError(f"{display} is not a video FFmpeg can read ({reason})") from None
    except av.error.ProtocolNotFoundError:
        raise UnsupportedSourceError(f"FFmpeg cannot read the protocol of {display}") from None
    except (av.error.FFmpegError, OSError) as error:
        if not local:  # the remote side's words (status lines, refused or not) stay out
            host = unresolved_host(url)  # FFmpeg says "Input/output error" for this too
            if host is not None:
                raise SourceOpenError(cannot_resolve(display, host)) from None
            raise SourceOpenError(f"cannot connect to {display}{_timed_out(error)}") from None
        raise SourceOpenError(f"cannot open {display}: {_reason(error)}") from None


def _reason(error: av.error.FFmpegError | OSError) -> str:
    """FFmpeg's reason without the URL it appends (``str(error)`` ends with the raw URL, password
    and all), redacted in case the reason itself quotes one."""
    return redact_text(error.strerror or str(error))


def _timed_out(error: Exception) -> str:
    timeout = isinstance(error, (av.error.ExitError, TimeoutError))
    return ": timed out" if timeout or getattr(error, "errno", None) == errno.ETIMEDOUT else ""


def _first_video_stream(
    container: av.container.InputContainer, display: str, network: bool
) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise NotAVideoError(f"{display} has no video stream")
    stream = container.streams.video[0]
    if stream.codec_context.width <= 0 or stream.codec_context.height <= 0:
        # On a network stream the probe may simply have ended before the first keyframe.
        error = SourceOpenError if network else NotAVideoError
        raise error(f"{display} has a video stream with no picture size yet")
    return stream


def _describe(stream: av.video.stream.VideoStream, display: str) -> SourceInfo:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else DEFAULT_FPS
    return SourceInfo(
        url=display,
        width=stream.codec_context.width,
        height=stream.codec_context.height,
        fps=fps if fps > 0 else DEFAULT_FPS,
        frame_count=stream.frames or None,
        codec=stream.codec_context.name,
    )


def encoded(packet: av.Packet[av.video.stream.VideoStream]) -> EncodedPacket:
    """A copy of a demuxed packet for the clip ring, stamped with the time it was read."""
    return EncodedPacket(
        data=bytes(packet),
        pts=packet.pts,
        dts=packet.dts,
        keyframe=packet.is_keyframe,
        at=time.time(),
    )


def _bgr(frame: av.VideoFrame) -> BgrImage:
    return np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)

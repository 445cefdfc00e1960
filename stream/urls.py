"""Check a source URL before FFmpeg sees it, and pick FFmpeg's options for it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from stream.errors import UnsupportedSourceError
from stream.redact import redact_url

NETWORK_SCHEMES = frozenset(
    {"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "srt", "udp", "tcp"}
)
DEVICE_PREFIX = "/dev/video"


@dataclass(frozen=True, slots=True)
class SourceKind:
    """What a URL points at."""

    network: bool
    device: bool

    @property
    def file(self) -> bool:
        return not (self.network or self.device)


def classify(url: str) -> SourceKind:
    """Raise :class:`UnsupportedSourceError` for URLs that can never open; say what the rest are."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if url.startswith(DEVICE_PREFIX):
        return SourceKind(network=False, device=True)
    if scheme in ("", "file") or len(scheme) == 1:
        return SourceKind(network=False, device=False)
    if scheme not in NETWORK_SCHEMES:
        supported = ", ".join(sorted(NETWORK_SCHEMES))
        raise UnsupportedSourceError(
            f"unsupported URL scheme {scheme!r} in {redact_url(url)}; use a file path, "
            f"{DEVICE_PREFIX}N or one of: {supported}"
        )
    if not parts.hostname:
        raise UnsupportedSourceError(f"malformed URL {redact_url(url)}: no host")
    try:
        _ = parts.port
    except ValueError:
        raise UnsupportedSourceError(f"malformed URL {redact_url(url)}: bad port") from None
    return SourceKind(network=True, device=False)


PROBE_DURATION_US = 1_000_000
"""How much of a network stream FFmpeg reads to learn its format: one second, one GOP of a typical
camera. FFmpeg's default (5 s) made the first frame of our test camera arrive after 3.8 s instead
of 2.0 s. (``fflags=nobuffer`` delayed the first frame further: it drops the probed packets.)"""


def ffmpeg_options(url: str, *, rtsp_transport: str = "tcp") -> dict[str, str]:
    """Demuxer options: RTSP transport and a short probe for network sources."""
    scheme = urlsplit(url).scheme.lower()
    options: dict[str, str] = {}
    if scheme in ("rtsp", "rtsps"):
        options["rtsp_transport"] = rtsp_transport
    if scheme in NETWORK_SCHEMES:
        options["analyzeduration"] = str(PROBE_DURATION_US)
    return options


def ffmpeg_format(url: str) -> str | None:
    """The input format to force: V4L2 for webcams, otherwise FFmpeg's own probing."""
    return "v4l2" if url.startswith(DEVICE_PREFIX) else None

"""Check a source URL before FFmpeg sees it, and pick FFmpeg's options for it.

Only an allowlist of schemes gets through: RTSP, RTMP and HTTP(S) cameras, files, V4L2 webcams
(``/dev/videoN``) and ``whip:`` publishers. FFmpeg's raw and composite protocols (``tcp``,
``udp``, ``srt``, ``pipe``, ``concat``, ``subfile``, ``data`` ...) and anything that asks FFmpeg
to listen are refused, and FFmpeg is told which protocols each kind of source may use, so a
playlist inside a stream cannot reach for another one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from stream.errors import UnsupportedSourceError
from stream.redact import redact_url

CAMERA_PROTOCOLS = {
    "rtsp": "rtsp,rtsps,tcp,udp,tls,rtp,srtp",
    "rtsps": "rtsp,rtsps,tcp,udp,tls,rtp,srtp",
    "rtmp": "rtmp,rtmps,tcp,tls",
    "rtmps": "rtmp,rtmps,tcp,tls",
    "http": "http,https,tcp,tls,crypto",
    "https": "http,https,tcp,tls,crypto",
}
"""FFmpeg's ``protocol_whitelist`` by scheme: what the stream and anything nested in it (HLS
segments, RTP over UDP, AES-128 segments) may open. RTMP connects out only: its listen mode is
an option we never set, not part of the URL."""
COMMAND_LINE_PROTOCOLS = {"srt": "srt,udp", "udp": "udp", "tcp": "tcp"}
"""Raw network inputs a user may give on their own command line (``trackcast track
udp://239.0.0.1:1234``), never a camera: they can make FFmpeg listen or talk raw TCP to any port."""
NETWORK_PROTOCOLS = CAMERA_PROTOCOLS | COMMAND_LINE_PROTOCOLS
CAMERA_SCHEMES = frozenset(CAMERA_PROTOCOLS)
NETWORK_SCHEMES = frozenset(NETWORK_PROTOCOLS)
FILE_PROTOCOLS = "file"
DEVICE_PREFIX = "/dev/video"
_DEVICE = re.compile(r"/dev/video[0-9]{1,3}")
_LISTEN_KEYS = frozenset({"listen", "listen_timeout"})
_LISTEN_MODES = frozenset({"listener", "server", "rendezvous"})


@dataclass(frozen=True, slots=True)
class SourceKind:
    """What a URL points at."""

    network: bool
    device: bool

    @property
    def file(self) -> bool:
        return not (self.network or self.device)


def classify(url: str, *, command_line: bool = False) -> SourceKind:
    """Raise :class:`UnsupportedSourceError` for URLs that can never open; say what the rest are.

    Cameras get the allowlist; ``command_line`` (a user's own ``trackcast track URL``) also
    allows ``srt``, ``udp`` and ``tcp`` and FFmpeg's listen options.
    """
    if url != url.strip() or any(ord(c) < 32 or ord(c) == 127 for c in url):
        raise UnsupportedSourceError(
            f"malformed URL {redact_url(url)!r}: surrounding spaces or control characters"
        )
    if is_device(url):
        return SourceKind(network=False, device=True)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("", "file") or len(scheme) == 1:
        if url.startswith("subfile,"):  # FFmpeg reads "subfile,,start,..,:path" as a protocol
            raise UnsupportedSourceError(f"unsupported URL {redact_url(url)}")
        return SourceKind(network=False, device=False)
    schemes = NETWORK_SCHEMES if command_line else CAMERA_SCHEMES
    if scheme not in schemes:
        supported = ", ".join(sorted(schemes))
        raise UnsupportedSourceError(
            f"unsupported URL scheme {scheme!r} in {redact_url(url)}; use a file path, "
            f"{DEVICE_PREFIX}N, whip: or one of: {supported}"
        )
    if not parts.hostname:
        raise UnsupportedSourceError(f"malformed URL {redact_url(url)}: no host")
    try:
        _ = parts.port
    except ValueError:
        raise UnsupportedSourceError(f"malformed URL {redact_url(url)}: bad port") from None
    if not command_line and _asks_to_listen(parts.query):
        raise UnsupportedSourceError(
            f"{redact_url(url)} asks FFmpeg to listen; cameras connect out only"
        )
    return SourceKind(network=True, device=False)


def is_device(url: str) -> bool:
    """A V4L2 webcam: exactly ``/dev/videoN``."""
    return _DEVICE.fullmatch(url) is not None


def file_path(url: str) -> str:
    """The path FFmpeg's file protocol opens for a file source (it drops a ``file:`` prefix)."""
    return url.removeprefix("file:")


def _asks_to_listen(query: str) -> bool:
    for key, value in parse_qsl(query, keep_blank_values=True):
        key = key.strip().lower()
        if key in _LISTEN_KEYS or (key == "mode" and value.strip().lower() in _LISTEN_MODES):
            return True
    return False


PROBE_DURATION_US = 1_000_000
"""How much of a network stream FFmpeg reads to learn its format: one second, one GOP of a typical
camera. FFmpeg's default (5 s) made the first frame of our test camera arrive after 3.8 s instead
of 2.0 s. (``fflags=nobuffer`` delayed the first frame further: it drops the probed packets.)"""


def ffmpeg_options(url: str, *, rtsp_transport: str = "tcp") -> dict[str, str]:
    """Demuxer options: the protocols the source may use, RTSP transport, a short network probe."""
    if is_device(url):
        return {}
    scheme = urlsplit(url).scheme.lower()
    protocols = NETWORK_PROTOCOLS.get(scheme)
    if protocols is None:
        return {"protocol_whitelist": FILE_PROTOCOLS}
    options = {"protocol_whitelist": protocols, "analyzeduration": str(PROBE_DURATION_US)}
    if scheme in ("rtsp", "rtsps"):
        options["rtsp_transport"] = rtsp_transport
    return options


def ffmpeg_format(url: str) -> str | None:
    """The input format to force: V4L2 for webcams, otherwise FFmpeg's own probing."""
    return "v4l2" if is_device(url) else None

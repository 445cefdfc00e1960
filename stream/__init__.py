"""Video sources: open a file or URL with PyAV and decode it into timestamped frames."""

from stream.errors import NotAVideoError, SourceError, SourceNotFoundError, SourceOpenError
from stream.frames import VideoFrame
from stream.redact import redact_url
from stream.source import DecodeStats, SourceInfo, VideoSource

__all__ = [
    "DecodeStats",
    "NotAVideoError",
    "SourceError",
    "SourceInfo",
    "SourceNotFoundError",
    "SourceOpenError",
    "VideoFrame",
    "VideoSource",
    "redact_url",
]

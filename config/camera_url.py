"""A camera URL is parsed when the configuration is validated, never first by FFmpeg."""

from __future__ import annotations

from urllib.parse import urlsplit

from stream.errors import UnsupportedSourceError
from stream.push_source import is_push_url
from stream.redact import redact_url
from stream.urls import classify


def check_camera_url(url: str) -> str:
    """``url`` if FFmpeg (or a WHIP publisher) could ever open it; otherwise ValueError whose
    message says why without repeating the URL (a 422 body must never echo a stored value)."""
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        raise ValueError("the URL contains a control character")
    try:
        if is_push_url(url):
            return url
        classify(url)
    except UnsupportedSourceError as error:
        raise ValueError(str(error).replace(redact_url(url), _elided(url))) from None
    except ValueError:  # urlsplit: "http://[::1", "rtsp://[zz]/x"
        raise ValueError("malformed URL: its host cannot be parsed") from None
    return url


def _elided(url: str) -> str:
    """``rtsp://…`` for an rtsp URL: the scheme tells what was wrong, the rest stays unsaid."""
    scheme = urlsplit(url.strip()).scheme
    return f"{scheme}://…" if scheme else "the URL"

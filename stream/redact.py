"""Keep camera credentials out of logs, errors and API responses."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

_SECRET_QUERY_KEYS = frozenset({"password", "pass", "pwd", "token", "key", "secret", "auth"})


def redact_url(url: str) -> str:
    """Return ``url`` with any password and secret-looking query values replaced by ``***``.

    >>> redact_url("rtsp://admin:hunter2@10.0.0.5:554/stream?token=abc&ch=1")
    'rtsp://admin:***@10.0.0.5:554/stream?token=***&ch=1'
    >>> redact_url("/videos/clip.mp4")
    '/videos/clip.mp4'
    """
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_pair(pair: str) -> str:
    key, sep, _value = pair.partition("=")
    if sep and key.lower() in _SECRET_QUERY_KEYS:
        return f"{key}=***"
    return pair


ERROR_CHARS = 300
"""An error message longer than this is cut (a 50 MB path must not come back in every response)."""


def redact_error(error: BaseException, url: str) -> str:
    """``Type: message`` of an unexpected error, with ``url`` shown redacted and cut to
    ``ERROR_CHARS``, for health records and logs."""
    message = f"{type(error).__name__}: {error}"
    if url:
        message = message.replace(url, redact_url(url))
    return message if len(message) <= ERROR_CHARS else message[: ERROR_CHARS - 1] + "…"

"""Keep credentials out of logs, errors and API responses.

:func:`redact_url` and :func:`redact_text` hide the password of a URL's userinfo in every spelling
FFmpeg and browsers accept (``scheme://u:p@h``, ``scheme:u:p@h``, ``scheme:/u:p@h``, ``u:p@h``)
and the values of secret-looking query and fragment parameters (``?password=``, ``&api_key=``,
``#access_token=`` ...), wherever they stand in a text: an FFmpeg error, an exception message, an
access-log path. :class:`SecretSet` holds known secrets (tokens, passwords) and replaces them
anywhere in a text, for what no URL syntax marks.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, unquote

MASK = "***"

SECRET_KEY_PARTS = (
    "pass",  # password, passwd, pass, passphrase
    "pwd",
    "token",  # token, access_token, refresh_token, id_token
    "secret",  # secret, client_secret
    "key",  # key, api_key, apikey, api-key
    "auth",  # auth, authorization, auth_token
    "sig",  # sig, signature, x-amz-signature
    "credential",  # credential, credentials, x-amz-credential
    "session",  # session, sessionid, session_id
)
"""A query or fragment key that contains one of these (in any case) carries a secret."""

MIN_SECRET_LENGTH = 4
"""Shorter known secrets are not replaced in free text: ``***`` everywhere a two-letter password
appears would garble logs. URL syntax still hides them where they stand in a URL."""

MAX_SECRET_LENGTH = 1024
"""Longer "secrets" (a garbage URL's userinfo) are not tracked: no password is that long."""

_WORD = re.compile(r"[^\s'\"<>]+")
"""Where a URL can stand in free text: between blanks, quotes and angle brackets."""
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_USER_START = re.compile(r".*[?&=#;,(\[]", re.DOTALL)
"""What precedes a user name inside a path segment (``x=(rtsp:`` is not part of it)."""
_PARAMETER = re.compile(r"(?P<lead>[?&#;])(?P<key>[^\s=&#;?'\"<>]+)=(?P<value>[^\s&#;'\"<>]*)")
_BEARER = re.compile(r"(?P<lead>\bBearer\s+)(?P<value>[A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE)


def is_secret_key(key: str) -> bool:
    """True for query keys that name a secret (``password``, ``api_key``, ``X-Amz-Signature``)."""
    lowered = unquote(key).lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def redact_url(url: str) -> str:
    """Return ``url`` with any password and secret-looking query values replaced by ``***``.

    >>> redact_url("rtsp://admin:hunter2@10.0.0.5:554/stream?token=abc&ch=1")
    'rtsp://admin:***@10.0.0.5:554/stream?token=***&ch=1'
    >>> redact_url("rtsp:admin:hunter2@10.0.0.5/stream")
    'rtsp:admin:***@10.0.0.5/stream'
    >>> redact_url("/videos/clip.mp4")
    '/videos/clip.mp4'
    """
    return redact_text(url)


def redact_text(text: str) -> str:
    """``text`` (an error message, a log line, a path) with every URL in it redacted like
    :func:`redact_url`, and ``Bearer <token>`` shown as ``Bearer ***``.

    >>> redact_text("[Errno 110] Connection timed out: 'http://u:pw@cam/v.ts?apikey=k'")
    "[Errno 110] Connection timed out: 'http://u:***@cam/v.ts?apikey=***'"
    """
    if ":" in text and "@" in text:
        text = _WORD.sub(lambda word: _mask_userinfo(word[0]), text)
    if "=" in text:
        text = _PARAMETER.sub(_mask_parameter, text)
    if "earer" in text:
        text = _BEARER.sub(lambda m: f"{m['lead']}{MASK}", text)
    return text


def _mask_userinfo(word: str) -> str:
    """``word`` with the password of each ``user:password@`` in it masked: in every path
    segment, whatever stands before its last ``@`` and after the user name's colon. Linear in
    the word's length, whatever it holds (no regular expression that can backtrack)."""
    if "@" not in word or ":" not in word:
        return word
    return "/".join(
        _mask_segment(segment, first=i == 0) for i, segment in enumerate(word.split("/"))
    )


def _mask_segment(segment: str, *, first: bool) -> str:
    userinfo, at, host = segment.rpartition("@")
    if not at or ":" not in userinfo:
        return segment
    lead = ""
    scheme = _SCHEME.match(userinfo) if first else None
    if scheme is not None and ":" in userinfo[scheme.end() :]:
        lead, userinfo = userinfo[: scheme.end()], userinfo[scheme.end() :]  # rtsp:u:pw@h
    user, _, _password = userinfo.partition(":")
    before = _USER_START.match(user)
    if before is not None:  # x=(rtsp:u:pw@h: the user name starts after the punctuation
        lead, user = lead + user[: before.end()], user[before.end() :]
    return f"{lead}{user}:{MASK}@{host}"


def _mask_parameter(match: re.Match[str]) -> str:
    if not match["value"] or not is_secret_key(match["key"]):
        return match[0]
    return f"{match['lead']}{match['key']}={MASK}"


def url_secrets(url: str) -> list[str]:
    """The secrets written in ``url``: its userinfo password and secret query values."""
    found = [
        _password_of(segment, first=i == 0)
        for word in _WORD.findall(url)
        for i, segment in enumerate(word.split("/"))
    ]
    found += [m["value"] for m in _PARAMETER.finditer(url) if is_secret_key(m["key"])]
    return list(dict.fromkeys(secret for secret in found if secret))


def _password_of(segment: str, *, first: bool) -> str:
    """The password :func:`_mask_segment` would mask in ``segment`` ("" for none)."""
    masked = _mask_segment(segment, first=first)
    if masked == segment:
        return ""
    userinfo = segment.rpartition("@")[0]
    kept = masked.rpartition(f":{MASK}@")[0]  # lead and user name, as kept
    return userinfo[len(kept) + 1 :]


class SecretSet:
    """Known secrets (API tokens, camera passwords, webhook keys), replaced by ``***`` in any text.

    Thread-safe; a secret once added stays (a camera's old password is still one).
    Secrets shorter than :data:`MIN_SECRET_LENGTH` or longer than :data:`MAX_SECRET_LENGTH` are
    ignored.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Add secrets; their percent-encoded and decoded spellings are hidden too."""
        spellings = set()
        for secret in secrets:
            if secret:
                spellings |= {secret, quote(secret, safe=""), unquote(secret)}
        spellings = {s for s in spellings if MIN_SECRET_LENGTH <= len(s) <= MAX_SECRET_LENGTH}
        with self._lock:
            if spellings <= self._secrets:
                return
            self._secrets |= spellings
            longest_first = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in longest_first))

    def add_url(self, url: str) -> None:
        """Add the password and secret query values written in ``url``."""
        self.add(*url_secrets(url))

    def __contains__(self, secret: object) -> bool:
        with self._lock:
            return secret in self._secrets

    def redact(self, text: str) -> str:
        """``text`` with every known secret replaced by ``***``, then :func:`redact_text`."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        return redact_text(text)


ERROR_CHARS = 300
"""An error message longer than this is cut (a 50 MB path must not come back in every response)."""


def redact_error(error: BaseException, url: str) -> str:
    """``Type: message`` of an unexpected error, with ``url`` and any other URL in it redacted,
    cut to ``ERROR_CHARS``, for health records and logs."""
    message = redact_text(f"{type(error).__name__}: {error}")
    if url:
        message = message.replace(url, redact_url(url))
    return message if len(message) <= ERROR_CHARS else message[: ERROR_CHARS - 1] + "…"

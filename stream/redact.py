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

_USERINFO = re.compile(
    r"(?P<lead>(?:[A-Za-z][A-Za-z0-9+.\-]*:)?/*)"  # scheme: and slashes, if any
    r"(?P<user>[^\s:/?#@'\"<>\[\]()=&,;]*)"  # the user name, kept
    r":(?P<password>[^\s/'\"<>]*)@"  # the password, up to the last @ before the path
)
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
        text = _USERINFO.sub(_mask_userinfo, text)
    if "=" in text:
        text = _PARAMETER.sub(_mask_parameter, text)
    if "earer" in text:
        text = _BEARER.sub(lambda m: f"{m['lead']}{MASK}", text)
    return text


def _mask_userinfo(match: re.Match[str]) -> str:
    return f"{match['lead']}{match['user']}:{MASK}@"


def _mask_parameter(match: re.Match[str]) -> str:
    if not match["value"] or not is_secret_key(match["key"]):
        return match[0]
    return f"{match['lead']}{match['key']}={MASK}"


def url_secrets(url: str) -> list[str]:
    """The secrets written in ``url``: its userinfo password and secret query values."""
    found = [m["password"] for m in _USERINFO.finditer(url)]
    found += [m["value"] for m in _PARAMETER.finditer(url) if is_secret_key(m["key"])]
    return [secret for secret in found if secret]


class SecretSet:
    """Known secrets (API tokens, camera passwords, webhook keys), replaced by ``***`` in any text.

    Thread-safe; a secret once added stays (a camera's old password is still one).
    Secrets shorter than :data:`MIN_SECRET_LENGTH` are ignored.
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
        spellings = {s for s in spellings if len(s) >= MIN_SECRET_LENGTH}
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

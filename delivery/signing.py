"""Webhook signatures: how a receiver knows a request came from trackcast and was not replayed.

When a webhook has a ``secret``, every request carries the header::

    X-Trackcast-Signature: t=<timestamp>,v1=<signature>

``timestamp`` is the sender's clock in whole seconds since the epoch when the attempt was made, and
``signature`` is the lowercase hex HMAC-SHA256, keyed with the secret (UTF-8), of the bytes
``f"{timestamp}."`` followed by the raw request body, exactly as received (before any JSON
parsing). Each retry is signed again with a new timestamp.

A receiver should:

1. read the raw body bytes and the header;
2. recompute the HMAC and compare it with ``v1`` in constant time (more than one ``v1`` may be
   present while a secret is being rotated; any match passes);
3. reject the request when ``timestamp`` is more than five minutes from its own clock, so that a
   captured request cannot be replayed later;
4. deduplicate by the ``Idempotency-Key`` header (the event id): a delivery whose response was lost
   is sent again.

:func:`verify` does all but the last step:

>>> header = sign("whsec-example", 1700000000, b'{"id":"e1"}')
>>> header
't=1700000000,v1=2f45539622c0159f632cac35a7319a1b579898c409ea2eecc3bb17ca0bf37825'
>>> verify("whsec-example", header, b'{"id":"e1"}', now=1700000100)
True
>>> verify("whsec-example", header, b'{"id":"e2"}', now=1700000100)
False
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Trackcast-Signature"
DEFAULT_TOLERANCE_S = 300.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Trackcast-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Whether ``header`` is a valid signature of ``body`` made within ``tolerance_s`` of ``now``
    (default: the current time). Malformed headers are invalid, never an exception."""
    parsed = _parse(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _parse(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if not value.isdigit() or timestamp is not None:
                return None
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures

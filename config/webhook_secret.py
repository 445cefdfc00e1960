"""What a webhook ``secret`` means as an HMAC key (see :mod:`delivery.standard_webhooks`)."""

from __future__ import annotations

import base64
import binascii

SECRET_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    """A ``whsec_<base64>`` secret (Standard Webhooks) is the bytes the base64 decodes to; any
    other secret is its UTF-8 bytes. ValueError for a ``whsec_`` secret that is not base64 or
    decodes to nothing."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("a secret that starts with whsec_ must be base64 after it") from None
    if not key:
        raise ValueError("a secret that starts with whsec_ must not be empty after it")
    return key


def check_webhook_secret(secret: str) -> str:
    """The pydantic validator: ``secret`` itself, or ValueError (see :func:`signing_key`)."""
    signing_key(secret)
    return secret

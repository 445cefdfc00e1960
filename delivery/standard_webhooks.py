"""Standard Webhooks signatures (https://www.standardwebhooks.com/): any receiver verifies them
with the spec's ready-made libraries (``pip install standardwebhooks``, the npm, Go, Rust... ones).

When a webhook has a ``secret``, every attempt carries three headers:

- ``webhook-id``: the event id (the same on every attempt and after a restart, like
  ``Idempotency-Key``);
- ``webhook-timestamp``: the sender's clock at the attempt, whole seconds since the epoch;
- ``webhook-signature``: ``v1,`` and the base64 HMAC-SHA256 of ``f"{id}.{timestamp}.{body}"``.

The HMAC key comes from the configured secret:

- a secret that starts with ``whsec_`` is a Standard Webhooks secret: the key is the base64 after
  the prefix (the config refuses one that does not decode). Give the receiver the same string.
  Make one with ``python -c "import base64,os; print('whsec_' + base64.b64encode(os.urandom(32))
  .decode())"``;
- any other secret (what trackcast accepted before) is used as its UTF-8 bytes, so that the
  deprecated ``X-Trackcast-Signature`` header keeps its key; the receiver's Standard Webhooks
  secret is then ``whsec_`` + base64 of those bytes (:func:`receiver_secret`).

>>> receiver_secret("legacy-secret")
'whsec_bGVnYWN5LXNlY3JldA=='
>>> signature_headers(b"k", "e1", 1700000000, b'{"id":"e1"}')["webhook-signature"]
'v1,2kmlHZMix2sQ2+IGoJrauGU/RWTzKLSR5C3nmLqDKOo='
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from config.webhook_secret import SECRET_PREFIX, signing_key

__all__ = ["receiver_secret", "signature_headers", "signing_key"]

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


def receiver_secret(secret: str) -> str:
    """The ``whsec_`` secret a Standard Webhooks verifier needs for trackcast's ``secret``."""
    if secret.startswith(SECRET_PREFIX):
        return secret
    return SECRET_PREFIX + base64.b64encode(secret.encode()).decode()


def signature_headers(key: bytes, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"v1,{base64.b64encode(digest).decode()}",
    }

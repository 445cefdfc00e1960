"""Who is calling, for per-caller caps: a hash of the request's token, or its client address.

With ``auth.open`` tokens are not checked, so anyone could send a fresh one with each request:
there (and for a request without a token) the caller is its client address.
"""

from __future__ import annotations

import hashlib

from fastapi import Request

from api.auth import TOKEN_QUERY, Authorizer


def caller_of(request: Request) -> str:
    """``token:<hash>`` or ``address:<client host>``; never the token itself."""
    authorizer: Authorizer = request.app.state.auth
    token = _token(request)
    if authorizer.open or token is None:
        host = request.client.host if request.client is not None else "unknown"
        return f"address:{host}"
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.query_params.get(TOKEN_QUERY) or None

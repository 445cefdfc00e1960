"""Bearer tokens with two roles: viewers read, admins also change things.

Reads (GET, HEAD) need a viewer or admin token, everything else an admin token, in the
``Authorization: Bearer`` header. Browsers cannot set headers where they load media themselves
(WebSocket, EventSource, ``<img>``), so those routes alone (:func:`authorize_media`,
:func:`authorize_websocket`) also take the token as the ``access_token`` query parameter; anywhere
else a query token is refused, so that it never becomes a habit that leaks URLs into logs and
histories. With ``auth.open: true`` in the config every request is allowed (from local names only,
see :mod:`api.local_only`); otherwise a request without a valid token gets 401, a viewer writing
gets 403.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, WebSocket, WebSocketException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from config import AuthConfig

Role = Literal["viewer", "admin"]
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_QUERY = "access_token"


@dataclass(frozen=True, slots=True)
class _Token:
    secret: bytes
    role: Role


class Authorizer:
    """Decides from a token what a request may do."""

    def __init__(self, config: AuthConfig, admin_token: str | None = None) -> None:
        self.open = config.open
        self._tokens = [_Token(t.token.encode(), t.role) for t in config.tokens]
        if admin_token:
            self._tokens.append(_Token(admin_token.encode(), "admin"))

    def role_of(self, token: str | None) -> Role | None:
        if token is None:
            return None
        given = token.encode()
        role: Role | None = None
        for known in self._tokens:  # compare with every token: timing says nothing
            if hmac.compare_digest(known.secret, given):
                role = known.role
        return role

    def allows(self, token: str | None, needed: Role) -> bool | None:
        """True if allowed, False if the token's role is too low, None if there is no valid
        token."""
        if self.open:
            return True
        role = self.role_of(token)
        if role is None:
            return None
        return role == "admin" or needed == "viewer"


_bearer = HTTPBearer(auto_error=False, description="An API token (viewer or admin).")


def _require(request: Request, token: str | None, needed: Role) -> None:
    """401 without a valid token, 403 when its role is too low."""
    authorizer: Authorizer = request.app.state.auth
    allowed = authorizer.allows(token, needed)
    if allowed is None:
        where = "Authorization: Bearer <token>"
        if TOKEN_QUERY in request.query_params and not authorizer.open:
            where += f"; ?{TOKEN_QUERY}= is only taken by media, SSE and WebSocket routes"
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"a valid API token is required ({where})",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not allowed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs an admin token")


def authorize(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Router dependency: reads need a viewer token, writes an admin token, in the header."""
    reading = request.method in READ_METHODS
    token = credentials.credentials if credentials else None
    _require(request, token, "viewer" if reading else "admin")


def authorize_media(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Route dependency for what browsers load without headers (images, MJPEG, SSE): a viewer
    token in the header or, for reads, the ``access_token`` parameter."""
    reading = request.method in READ_METHODS
    token = credentials.credentials if credentials else None
    if token is None and reading:
        token = request.query_params.get(TOKEN_QUERY)
    _require(request, token, "viewer" if reading else "admin")


def authorize_watching(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Router dependency for live viewing (WHEP): watching is reading, whatever the method, so a
    viewer token is enough, in the header (the viewer page sends it there)."""
    _require(request, credentials.credentials if credentials else None, "viewer")


def authorize_websocket(websocket: WebSocket) -> None:
    """WebSocket dependency: a viewer token in the header or the ``access_token`` parameter."""
    authorizer: Authorizer = websocket.app.state.auth
    token = websocket.query_params.get(TOKEN_QUERY)
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    if not authorizer.allows(token, "viewer"):
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "a valid API token is required")

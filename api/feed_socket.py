"""Send a live feed over a WebSocket until it ends or the client leaves.

A feed that sends nothing for a long time (a filter that never matches, a quiet camera) would
never notice its client leaving if it only wrote: the close frame waits unread. So a receive task
races the send loop; it ends on the close frame, and on a connection dropped without one (the
server's protocol-level pings time out, and the ASGI server reports the disconnect). Whichever
ends first cancels the other, and the feed's iterator is closed, so its subscription is released.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import anyio
from fastapi import WebSocket, WebSocketDisconnect


async def send_until_closed(websocket: WebSocket, messages: AsyncGenerator[Any, None]) -> bool:
    """Send each of ``messages`` as JSON until they end or the client disconnects; True if the
    client left (the socket is closed), False if the feed ended first. One anyio task group
    runs both sides (Starlette's own cancel scopes then see every task)."""
    left = False

    async def send() -> None:
        nonlocal left
        left = await _send_all(websocket, messages) is True
        group.cancel_scope.cancel()

    async def watch() -> None:
        nonlocal left
        await _until_disconnect(websocket)
        left = True
        group.cancel_scope.cancel()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(send)
            group.start_soon(watch)
    finally:
        with anyio.CancelScope(shield=True):
            await messages.aclose()
    return left


async def _send_all(websocket: WebSocket, messages: AsyncGenerator[Any, None]) -> bool | None:
    """True if a send found the client gone, None when the messages ended."""
    async for message in messages:
        try:
            await websocket.send_json(message)
        except (WebSocketDisconnect, RuntimeError):  # RuntimeError: the socket closed already
            return True
    return None


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it leaves."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

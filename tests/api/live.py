"""Clients for the live feeds over real sockets: SSE via httpx, WebSocket via websockets."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from tests.waiting import scaled


@dataclass(frozen=True)
class SseMessage:
    id: str | None
    event: str | None
    data: Any


def sse_messages(response: httpx.Response) -> Iterator[SseMessage]:
    """Parse a text/event-stream body as it arrives (comments such as keepalives skipped)."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if "data" in fields:
                yield SseMessage(fields.get("id"), fields.get("event"), json.loads(fields["data"]))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def read_sse(
    url: str, count: int, timeout_s: float, headers: dict[str, str] | None = None
) -> list[SseMessage]:
    """The first ``count`` messages of an SSE stream; fails past ``timeout_s``."""
    got: list[SseMessage] = []
    deadline = time.monotonic() + scaled(timeout_s)
    with (
        httpx.Client(timeout=scaled(timeout_s)) as client,
        client.stream("GET", url, headers=headers) as response,
    ):
        response.raise_for_status()
        for message in sse_messages(response):
            got.append(message)
            if len(got) == count:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(got)} of {count} SSE messages in {timeout_s} s")
    return got

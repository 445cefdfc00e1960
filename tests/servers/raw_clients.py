"""Feed clients over raw sockets, for leak tests: open a WebSocket or SSE feed with a bare HTTP
request, then leave politely (a close frame, or a FIN) or abruptly (a TCP reset, as a peer that
vanished without closing does), and read ``/metrics`` gauges."""

from __future__ import annotations

import os
import socket
import struct

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.waiting import scaled

_WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def open_feed(port: int, path: str, *, websocket: bool, timeout_s: float = 30) -> socket.socket:
    """A connected socket whose feed answered (101 for a WebSocket, 200 for SSE)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=scaled(timeout_s))
    headers = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    if websocket:
        headers += [
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {_WS_KEY}",
            "Sec-WebSocket-Version: 13",
        ]
    else:
        headers.append("Accept: text/event-stream")
    sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"{path}: closed before answering")
        head += chunk
    status = head.split(b" ", 2)[1]
    if status != (b"101" if websocket else b"200"):
        raise ConnectionError(f"{path}: {head.splitlines()[0]!r}")
    return sock


def close_websocket(sock: socket.socket) -> None:
    """Send a masked close frame (1000), then close the connection."""
    payload = struct.pack("!H", 1000)
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x88, 0x80 | len(payload)]) + mask + masked)
    sock.close()


def drop(sock: socket.socket) -> None:
    """Reset the connection: no close frame, no FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def gauge(base_url: str, name: str, labels: dict[str, str] | None = None) -> float:
    """One sample of ``/metrics``; KeyError if it is not there."""
    text = httpx.get(f"{base_url}/metrics", timeout=scaled(30)).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == (labels or {}):
                return sample.value
    raise KeyError(name)

"""A cheap check that a network camera's server is back: a TCP connect, plus RTSP OPTIONS for rtsp.

A camera waiting in backoff runs it every fraction of a second (see :mod:`stream.recovery`): it
costs one connection and, for RTSP, one round trip, against FFmpeg's DESCRIBE, SETUP and a second
of stream probing for a full open.

Why OPTIONS for ``rtsp``: a TCP accept alone can come from something in front of the server (a
container's port proxy, a NAT gateway, an NVR still starting) while no RTSP server answers yet,
or from the kernel's listen backlog of a server that is hung or frozen (``SIGSTOP``).
Any RTSP status line counts, 401 included: the probe sends no credentials, the full open does.
OPTIONS does not prove that the stream exists (DESCRIBE would, but it makes servers prepare the
media); a server that answers but cannot stream yet costs one early full open, after which the
backoff is served in full. ``rtsps``, ``rtmp(s)`` and ``http(s)`` get the TCP connect only.

The probe reaches only what a full open may reach: the host is resolved once, every address is
checked by the camera's :class:`~stream.policy.SourcePolicy`, and the probe connects to those
addresses, never to the name. It polls the camera's stop event, so ``stop()`` stays prompt.
"""

from __future__ import annotations

import errno
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from stream.errors import SourceError
from stream.policy import IpAddress, SourcePolicy
from stream.urls import CAMERA_SCHEMES, classify

DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "rtmp": 1935, "rtmps": 443, "http": 80, "https": 443}
PROBE_TIMEOUT_S = 0.5
"""The longest one probe waits for a connection and an answer."""
STOP_CHECK_S = 0.05
"""How often a probe waiting on the network looks at the stop event."""
_OPEN_POLICY = SourcePolicy(private_networks=True)
"""Resolves names without restricting them, for cameras that have no policy (a command line)."""


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    """Where a network camera's server listens, and the OPTIONS request line for RTSP."""

    url: str = field(repr=False)
    """The camera's URL, credentials and all (kept out of ``repr``)."""
    port: int
    options_uri: str | None
    """``rtsp://host:port/path`` without credentials, or None when no OPTIONS is sent."""


def probe_target(url: str) -> ProbeTarget | None:
    """The server to probe for a camera URL; None for files, webcams and anything else."""
    try:
        if not classify(url).network:
            return None
    except SourceError:
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in CAMERA_SCHEMES or parts.hostname is None:
        return None
    port = parts.port or DEFAULT_PORTS[scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    options_uri = f"rtsp://{host}:{port}{parts.path or '/'}" if scheme == "rtsp" else None
    return ProbeTarget(url=url, port=port, options_uri=options_uri)


class ReachabilityProbe:
    """Probes one target during one backoff wait; call it with the time it may take.

    The host is resolved (and checked) at the first call only; a name that does not resolve, or
    resolves somewhere the policy forbids, makes every call of this wait answer False (the full
    open after the wait reports why).
    """

    def __init__(
        self, target: ProbeTarget, policy: SourcePolicy | None, stop: threading.Event
    ) -> None:
        self._target = target
        self._policy = policy or _OPEN_POLICY
        self._stop = stop
        self._addresses: list[IpAddress] | None = None

    def __call__(self, timeout_s: float) -> bool:
        """True if the server answered within ``timeout_s`` (at most :data:`PROBE_TIMEOUT_S`)."""
        deadline = time.monotonic() + min(timeout_s, PROBE_TIMEOUT_S)
        if self._addresses is None:
            try:
                self._addresses = self._policy.addresses(self._target.url)
            except SourceError:
                self._addresses = []
        return any(self._answers(address, deadline) for address in self._addresses)

    def _answers(self, address: IpAddress, deadline: float) -> bool:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setblocking(False)
            code = sock.connect_ex((str(address), self._target.port))
            if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
                return False
            if not self._ready(sock, select.POLLOUT, deadline):
                return False
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                return False
            if self._target.options_uri is None:
                return True
            return self._answers_options(sock, self._target.options_uri, deadline)

    def _answers_options(self, sock: socket.socket, uri: str, deadline: float) -> bool:
        request = f"OPTIONS {uri} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: trackcast-probe\r\n\r\n"
        try:
            sock.sendall(request.encode("ascii", "replace"))
            reply = b""
            while b"\r\n" not in reply and len(reply) < 64:
                if not self._ready(sock, select.POLLIN, deadline):
                    return False
                chunk = sock.recv(64)
                if not chunk:
                    return False
                reply += chunk
        except OSError:
            return False
        return reply.startswith(b"RTSP/1.")

    def _ready(self, sock: socket.socket, events: int, deadline: float) -> bool:
        poller = select.poll()
        poller.register(sock, events)
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if poller.poll(min(left, STOP_CHECK_S) * 1000):
                return True
        return False

"""Which ICE candidates a peer connection gathers and accepts.

aioice gathers host candidates on every interface except loopback and offers no option to
choose; a browser on the same host inside a loopback-only network (or a test) needs 127.0.0.1.
:func:`gathering_on` chooses the addresses for the gathering done within it (a context variable,
so each :class:`IceSettings` applies only to its own peer connections).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

import aioice.ice

_addresses: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "trackcast_ice_host_addresses", default=None
)
_aioice_host_addresses = aioice.ice.get_host_addresses


def _host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    chosen = _addresses.get()
    if chosen is None:
        return _aioice_host_addresses(use_ipv4, use_ipv6)
    return list(chosen)


@dataclass(frozen=True, slots=True)
class IceSettings:
    """``host_addresses``: gather host candidates on exactly these local addresses, and accept
    only remote candidates on them (None: aioice's choice, every remote candidate)."""

    host_addresses: tuple[str, ...] | None = None

    def filter_remote(self, sdp: str) -> str:
        """``sdp`` without the candidates this side will not try."""
        if self.host_addresses is None:
            return sdp
        lines = sdp.splitlines()
        kept = [line for line in lines if not _unwanted(line, self.host_addresses)]
        return "\r\n".join(kept) + "\r\n"


def _unwanted(line: str, allowed: tuple[str, ...]) -> bool:
    if not line.startswith("a=candidate:"):
        return False
    fields = line.split()
    return len(fields) < 5 or fields[4] not in allowed


@contextlib.contextmanager
def gathering_on(settings: IceSettings) -> Iterator[None]:
    """Candidates gathered inside this block (by tasks started in it) follow ``settings``."""
    aioice.ice.get_host_addresses = _host_addresses  # idempotent; defers to aioice when unset
    token = _addresses.set(settings.host_addresses)
    try:
        yield
    finally:
        _addresses.reset(token)

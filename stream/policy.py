"""What a camera may open: files under media roots, public network addresses unless told more.

The service builds one :class:`SourcePolicy` from its ``sources`` config. It is checked when a
camera is created or changed through the API, and again on the camera's own thread just before
FFmpeg opens the source: host names are resolved there, so a name that starts resolving to a local
address is caught at the next connection (DNS rebinding has to win the race between this check and
FFmpeg's own lookup). A user's own command line (``trackcast track URL``) uses no policy.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from stream.errors import SourceNotAllowedError, SourceOpenError
from stream.redact import redact_url
from stream.resolve import cannot_resolve
from stream.urls import classify, file_path

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """Where cameras may read from. The default allows no files and only public addresses."""

    media_roots: tuple[str, ...] = ()
    """Directories file cameras may read (symbolic links resolved on both sides)."""
    private_networks: bool = False
    """Whether network cameras may reach loopback, private, link-local and other non-public
    addresses."""

    def check(self, url: str) -> None:
        """Return if ``url`` may be opened, else raise.

        Raises:
            UnsupportedSourceError: the URL can never be opened (see :func:`stream.urls.classify`).
            SourceNotAllowedError: this policy does not allow it; the message names the setting.
            SourceOpenError: its host name does not resolve (now: it may later).
        """
        kind = classify(url)
        if kind.device:
            return
        if kind.file:
            self._check_file(url)
        elif not self.private_networks:
            self._check_host(url)

    def _check_file(self, url: str) -> None:
        path = os.path.realpath(file_path(url))
        roots = [os.path.realpath(root) for root in self.media_roots]
        if any(os.path.commonpath((root, path)) == root for root in roots):
            return
        configured = ", ".join(self.media_roots) if self.media_roots else "none are set"
        raise SourceNotAllowedError(
            f"{redact_url(url)} is not under a media root (sources.media_roots: {configured}); "
            "add its directory to sources.media_roots in the config to let cameras read it"
        )

    def addresses(self, url: str) -> list[IpAddress]:
        """The addresses of a network URL's host, resolved once now, if this policy lets cameras
        reach every one of them: connect to these, not to the name, to check what is reached.

        Raises:
            SourceNotAllowedError: one of them is not public and private networks are not allowed.
            SourceOpenError: the host name does not resolve (now: it may later).
        """
        parts = urlsplit(url)
        addresses = _addresses(parts.hostname or "", parts.port, url)
        if not self.private_networks and not all(_public(address) for address in addresses):
            raise SourceNotAllowedError(
                f"{redact_url(url)} points at a loopback, private or other non-public address; "
                "set sources.private_networks: true in the config to let cameras reach local "
                "networks"
            )
        return addresses

    def _check_host(self, url: str) -> None:
        self.addresses(url)


def _addresses(host: str, port: int | None, url: str) -> list[IpAddress]:
    """``host`` itself if it is an address, else every address it resolves to now."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise SourceOpenError(cannot_resolve(redact_url(url), host)) from None
    except (OSError, UnicodeError):
        raise SourceOpenError(f"cannot connect to {redact_url(url)}") from None
    return [ipaddress.ip_address(str(info[4][0])) for info in infos]


def _public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast

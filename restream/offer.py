"""Checking a remote SDP offer before aiortc sees it, on a worker thread.

aiortc parses an offer on the event loop, line by line, and matches every ``a=rtcp-fb`` line
against every codec: a large or crafted offer (thousands of codecs and feedback lines, or
megabytes of attributes it ignores) blocks every other viewer while it is parsed. So an offer is
first cut down, off the loop, to the lines aiortc reads (candidates only on the addresses the
server accepts), its structure is bounded (media sections, codecs, feedback lines, candidates)
and it is parsed once; aiortc then parses only that short, bounded text on the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiortc.sdp import SessionDescription

from restream.ice import IceSettings

DEFAULT_MAX_OFFER_BYTES = 64 * 1024
"""A browser's offer with audio, video and a data channel is 5-10 KiB."""

_SESSION_LINES = ("v=", "o=", "s=", "c=", "t=", "m=")
_READ_ATTRIBUTES = frozenset(
    {
        "candidate",
        "end-of-candidates",
        "extmap",
        "fingerprint",
        "fmtp",
        "group",
        "ice-lite",
        "ice-options",
        "ice-pwd",
        "ice-ufrag",
        "max-message-size",
        "mid",
        "msid",
        "msid-semantic",
        "rtcp",
        "rtcp-fb",
        "rtcp-mux",
        "rtpmap",
        "sctp-port",
        "sctpmap",
        "setup",
        "ssrc",
        "ssrc-group",
        "sendrecv",
        "sendonly",
        "recvonly",
        "inactive",
    }
)
"""The attributes aiortc's SDP parser reads; it ignores every other line."""


class OfferError(ValueError):
    """The SDP offer cannot be answered (malformed, no video, too large, no common codec)."""


class OfferTooLargeError(OfferError):
    """The offer is longer than the configured maximum (HTTP 413)."""


@dataclass(frozen=True, slots=True)
class OfferLimits:
    """Bounds on one offer. The defaults leave room for any browser's offer (Chromium's video
    section has about 40 codecs and 60 feedback lines)."""

    max_bytes: int = DEFAULT_MAX_OFFER_BYTES
    max_media: int = 4
    max_lines: int = 1000
    max_codecs: int = 64
    """``a=rtpmap`` lines per media section."""
    max_feedback: int = 128
    """``a=rtcp-fb`` lines per media section."""
    max_candidates: int = 32
    """Accepted candidates per media section."""


@dataclass(slots=True)
class _Section:
    codecs: int = 0
    feedback: int = 0
    candidates: int = 0


def require_video(sdp: str) -> None:
    """OfferError unless the offer mentions a video section (a cheap first check, on the loop)."""
    if "m=video" not in sdp:
        raise OfferError("the offer has no video section (m=video)")


def prepare_offer(sdp: str, ice: IceSettings, limits: OfferLimits) -> str:
    """The offer as aiortc should see it: only the lines it reads, only candidates on ``ice``'s
    addresses. OfferError if it has no video, is malformed or exceeds ``limits``.

    Blocking (linear in the offer's length, then one bounded parse): call it on a worker thread.
    """
    if len(sdp) > limits.max_bytes:
        raise OfferTooLargeError(f"the offer is longer than {limits.max_bytes} bytes")
    kept = _kept_lines(ice.filter_remote(sdp), limits)
    if not any(line.startswith("m=video") for line in kept):
        raise OfferError("the offer has no video section (m=video)")
    offer = "\r\n".join(kept) + "\r\n"
    try:
        SessionDescription.parse(offer)
    except Exception as error:  # aiortc asserts, indexes and converts without checking
        raise OfferError(f"the offer is not valid SDP: {type(error).__name__}") from None
    return offer


def _kept_lines(sdp: str, limits: OfferLimits) -> list[str]:
    kept: list[str] = []
    sections: list[_Section] = []
    for line in sdp.splitlines():
        line = line.strip()
        if line.startswith("m="):
            sections.append(_Section())
            if len(sections) > limits.max_media:
                raise OfferError(f"the offer has more than {limits.max_media} media sections")
        elif not (line.startswith(_SESSION_LINES) or _read_attribute(line)):
            continue
        kept.append(line)
        if len(kept) > limits.max_lines:
            raise OfferError(f"the offer has more than {limits.max_lines} lines")
        if sections:
            _count(sections[-1], line, limits)
    return kept


def _read_attribute(line: str) -> bool:
    if not line.startswith("a="):
        return False
    name = line[2:].split(":", 1)[0]
    return name in _READ_ATTRIBUTES


def _count(section: _Section, line: str, limits: OfferLimits) -> None:
    if line.startswith("a=rtpmap:"):
        section.codecs += 1
        if section.codecs > limits.max_codecs:
            raise OfferError(f"a media section has more than {limits.max_codecs} codecs")
    elif line.startswith("a=rtcp-fb:"):
        section.feedback += 1
        if section.feedback > limits.max_feedback:
            raise OfferError(f"a media section has more than {limits.max_feedback} rtcp-fb lines")
    elif line.startswith("a=candidate:"):
        section.candidates += 1
        if section.candidates > limits.max_candidates:
            raise OfferError(f"a media section has more than {limits.max_candidates} candidates")

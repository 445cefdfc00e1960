"""What of a remote offer reaches aiortc (restream.offer), checked on real aiortc offers."""

from __future__ import annotations

import asyncio

import pytest

from restream.ice import IceSettings
from restream.offer import OfferError, OfferLimits, OfferTooLargeError, prepare_offer
from tests.restream.peers_client import DEAD_CANDIDATE, idle_offer

LOOPBACK = IceSettings(("127.0.0.1",))


@pytest.fixture(scope="module")
def offer() -> str:
    """A real aiortc viewer offer with one loopback candidate."""
    return asyncio.run(idle_offer(dead_candidate=True))


def test_aiortc_gets_the_lines_it_reads_and_the_candidates_it_may_try(offer: str) -> None:
    foreign = "a=candidate:2 1 udp 2130706431 192.0.2.7 5000 typ host"
    sent = offer.replace(DEAD_CANDIDATE, f"{DEAD_CANDIDATE}\r\n{foreign}") + "a=x-pad:1\r\n"
    prepared = prepare_offer(sent, LOOPBACK, OfferLimits())
    assert DEAD_CANDIDATE in prepared and foreign not in prepared
    assert "a=x-pad" not in prepared and "a=ssrc-group:FID" in prepared
    kept = [line for line in offer.splitlines() if not line.startswith("a=x-")]
    assert prepared.splitlines() == kept


@pytest.mark.parametrize(
    ("extra", "limits", "message"),
    [
        ("m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" * 4, OfferLimits(), "media sections"),
        ("a=rtpmap:96 H264/90000\r\n" * 65, OfferLimits(), "codecs"),
        ("a=rtcp-fb:* nack\r\n" * 129, OfferLimits(), "rtcp-fb"),
        (f"{DEAD_CANDIDATE}\r\n" * 32, OfferLimits(), "candidates"),
        ("a=ssrc:1 cname:x\r\n" * 1000, OfferLimits(), "lines"),
        ("a=mid:0\r\n", OfferLimits(max_media=4, max_lines=10), "lines"),
    ],
)
def test_offers_beyond_the_limits_are_refused(
    offer: str, extra: str, limits: OfferLimits, message: str
) -> None:
    with pytest.raises(OfferError, match=message):
        prepare_offer(offer + extra, LOOPBACK, limits)


def test_malformed_too_long_and_videoless_offers_are_refused(offer: str) -> None:
    with pytest.raises(OfferError, match="not valid SDP"):
        prepare_offer("v=0\r\nm=video 9\r\n", LOOPBACK, OfferLimits())
    with pytest.raises(OfferError, match="no video"):
        prepare_offer(offer.replace("m=video", "m=audio"), LOOPBACK, OfferLimits())
    with pytest.raises(OfferTooLargeError):
        prepare_offer(offer, LOOPBACK, OfferLimits(max_bytes=len(offer) - 1))

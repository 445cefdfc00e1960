"""Webhook signatures: what a receiver checks."""

from __future__ import annotations

import doctest

import delivery.signing
from delivery.signing import sign, verify

SECRET = "whsec-test"
BODY = b'{"id":"0190a1b2c3d4e5f60718293a4b5c6d7e","type":"track.started"}'
NOW = 1_700_000_000


def test_a_signature_verifies_with_the_same_secret_and_body() -> None:
    header = sign(SECRET, NOW, BODY)
    assert header.startswith(f"t={NOW},v1=")
    assert verify(SECRET, header, BODY, now=NOW + 10)


def test_a_tampered_body_fails() -> None:
    header = sign(SECRET, NOW, BODY)
    assert not verify(SECRET, header, BODY.replace(b"started", b"ended"), now=NOW)
    assert not verify(SECRET, header, BODY + b" ", now=NOW)


def test_a_timestamp_outside_the_tolerance_fails() -> None:
    header = sign(SECRET, NOW, BODY)
    assert verify(SECRET, header, BODY, now=NOW + 300)
    assert not verify(SECRET, header, BODY, now=NOW + 301)
    assert not verify(SECRET, header, BODY, now=NOW - 301)  # from the future
    assert verify(SECRET, header, BODY, tolerance_s=3600, now=NOW + 3000)


def test_the_current_clock_is_the_default() -> None:
    assert not verify(SECRET, sign(SECRET, NOW, BODY), BODY)  # years ago


def test_a_wrong_secret_fails() -> None:
    assert not verify("another-secret", sign(SECRET, NOW, BODY), BODY, now=NOW)


def test_the_timestamp_is_covered_by_the_signature() -> None:
    signature = sign(SECRET, NOW, BODY).split(",v1=")[1]
    assert not verify(SECRET, f"t={NOW + 60},v1={signature}", BODY, now=NOW + 60)


def test_any_v1_may_match_during_secret_rotation() -> None:
    new = sign(SECRET, NOW, BODY).split(",v1=")[1]
    old = sign("old-secret", NOW, BODY).split(",v1=")[1]
    assert verify(SECRET, f"t={NOW},v1={old},v1={new}", BODY, now=NOW)


def test_malformed_headers_are_invalid_not_errors() -> None:
    for header in ["", "garbage", "t=abc,v1=00", f"t={NOW}", "v1=00", f"t={NOW},t={NOW},v1=00"]:
        assert not verify(SECRET, header, BODY, now=NOW)


def test_the_documented_example_holds() -> None:
    result = doctest.testmod(delivery.signing)
    assert result.attempted > 0
    assert result.failed == 0

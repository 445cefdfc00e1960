from __future__ import annotations

import doctest

import pytest

import stream.redact
from stream import redact_url
from stream.redact import SecretSet, is_secret_key, redact_text, url_secrets


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://admin:hunter2@10.0.0.5:554/live", "rtsp://admin:***@10.0.0.5:554/live"),
        ("rtsp://viewer@cam/live", "rtsp://viewer@cam/live"),
        ("http://cam/mjpg?user=a&password=b&x=1", "http://cam/mjpg?user=a&password=***&x=1"),
        ("https://cam/hls.m3u8?token=abc", "https://cam/hls.m3u8?token=***"),
        ("data/vtest.avi", "data/vtest.avi"),
        ("rtsp://u:p:q@host/x", "rtsp://u:***@host/x"),
        # every userinfo spelling FFmpeg accepts
        ("rtsp:u:pw@h/live", "rtsp:u:***@h/live"),
        ("rtsp:/u:pw@h/live", "rtsp:/u:***@h/live"),
        ("rtsp:///u:pw@h/live", "rtsp:///u:***@h/live"),
        ("u:pw@h/live", "u:***@h/live"),
        ("RTSP://U:PW@H", "RTSP://U:***@H"),
        ("rtsp://u:p@ss@[::1]:554/x", "rtsp://u:***@[::1]:554/x"),
        ("rtsp://u:pa?ss@h/x", "rtsp://u:***@h/x"),
        ("rtsp://u:@h/x", "rtsp://u:***@h/x"),
        # the usual secret keys, any case, in query and fragment
        ("http://h/v?passwd=1&PASS=2&pwd=3", "http://h/v?passwd=***&PASS=***&pwd=***"),
        (
            "http://h/v?api_key=1&apikey=2&Api-Key=3",
            "http://h/v?api_key=***&apikey=***&Api-Key=***",
        ),
        (
            "http://h/v?access_token=1&key=2&secret=3",
            "http://h/v?access_token=***&key=***&secret=***",
        ),
        ("http://h/v?auth=1&signature=2&sig=3", "http://h/v?auth=***&signature=***&sig=***"),
        ("http://h/v?credential=1&credentials=2", "http://h/v?credential=***&credentials=***"),
        ("http://h/v?session=1&X-Amz-Signature=2", "http://h/v?session=***&X-Amz-Signature=***"),
        ("http://h/v#access_token=abc&state=x", "http://h/v#access_token=***&state=x"),
        ("http://h/v?ch=1&fps=5", "http://h/v?ch=1&fps=5"),
        ("tcp://u:pw@h:1234", "tcp://u:***@h:1234"),
    ],
)
def test_redacts_credentials(url: str, expected: str) -> None:
    assert redact_url(url) == expected
    assert redact_url(expected) == expected  # idempotent: a redacted URL stays as it is


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[Errno 110] Connection timed out: 'http://user:s3cret@127.0.0.1:9/x.ts?token=abc'",
            "[Errno 110] Connection timed out: 'http://user:***@127.0.0.1:9/x.ts?token=***'",
        ),
        (
            "cannot open rtsp:u:pw@cam/live and rtsp:/v:pw2@cam/live: refused",
            "cannot open rtsp:u:***@cam/live and rtsp:/v:***@cam/live: refused",
        ),
        (
            'GET /api/cameras?access_token=abc123&x=1 HTTP/1.1" 200',
            'GET /api/cameras?access_token=***&x=1 HTTP/1.1" 200',
        ),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
        ("cam1: streaming -> stalled (no frame)", "cam1: streaming -> stalled (no frame)"),
        ("at 12:30 user@example.com wrote", "at 12:30 user@example.com wrote"),
    ],
)
def test_redacts_urls_in_free_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_secret_keys() -> None:
    assert all(is_secret_key(k) for k in ("password", "PASSWD", "client_secret", "access%5Ftoken"))
    assert not any(is_secret_key(k) for k in ("ch", "fps", "overlay", "after", "camera"))


def test_url_secrets_finds_password_and_query_values() -> None:
    assert url_secrets("rtsp://u:pw1@h/x?token=t1&ch=2") == ["pw1", "t1"]
    assert url_secrets("data/vtest.avi") == []


def test_secret_set_replaces_known_secrets_in_any_text() -> None:
    secrets = SecretSet(["a-long-admin-token", None, "pw"])  # too short to hide in free text
    secrets.add_url("rtsp://cam:p@ss/w0rd@h/x")
    secrets.add("sp ace")
    assert "a-long-admin-token" in secrets and "pw" not in secrets
    text = "token a-long-admin-token, pass sp%20ace or sp ace, pw stays"
    assert secrets.redact(text) == "token ***, pass *** or ***, pw stays"
    assert secrets.redact("http://x:y@h") == "http://x:***@h"  # URL redaction applies too


def test_doctests() -> None:
    assert doctest.testmod(stream.redact).failed == 0


def test_hostile_text_takes_linear_time() -> None:
    """Strings built to make a backtracking pattern take quadratic time (minutes at this size
    with one regular expression over the whole userinfo) are redacted as any others."""
    n = 200_000
    assert redact_text("a:" + "b" * n + "@h") == "a:***@h"
    assert redact_text("a:" * n + "@") == "a:a:***@"  # read as scheme a:, user a
    assert redact_text("/a:b@" * n) == "/a:***@" * n
    assert redact_text("x:" * n) == "x:" * n
    secrets = SecretSet()
    secrets.add_url("a:" + "b" * n + "@h")  # no password is that long: not tracked
    assert secrets.redact("b" * 10) == "b" * 10

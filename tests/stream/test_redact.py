from __future__ import annotations

import pytest

from stream import redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://admin:hunter2@10.0.0.5:554/live", "rtsp://admin:***@10.0.0.5:554/live"),
        ("rtsp://viewer@cam/live", "rtsp://viewer@cam/live"),
        ("http://cam/mjpg?user=a&password=b&x=1", "http://cam/mjpg?user=a&password=***&x=1"),
        ("https://cam/hls.m3u8?token=abc", "https://cam/hls.m3u8?token=***"),
        ("data/vtest.avi", "data/vtest.avi"),
        ("rtsp://u:p:q@host/x", "rtsp://u:***@host/x"),
    ],
)
def test_redacts_credentials(url: str, expected: str) -> None:
    assert redact_url(url) == expected

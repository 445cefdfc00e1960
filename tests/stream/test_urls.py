from __future__ import annotations

import pytest

from stream.errors import UnsupportedSourceError
from stream.urls import classify, ffmpeg_format, ffmpeg_options


@pytest.mark.parametrize(
    ("url", "network", "device"),
    [
        ("rtsp://cam.local:554/live", True, False),
        ("https://example.org/live.m3u8", True, False),
        ("http://cam/mjpg/video.mjpg", True, False),
        ("data/vtest.avi", False, False),
        ("file:///videos/a.mp4", False, False),
        ("/dev/video0", False, True),
    ],
)
def test_classifies_sources(url: str, network: bool, device: bool) -> None:
    kind = classify(url)
    assert (kind.network, kind.device) == (network, device)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo://cam/stream", "unsupported URL scheme 'foo'"),
        ("rtsp://", "no host"),
        ("rtsp://admin:pw@cam:notaport/x", "bad port"),
    ],
)
def test_refuses_urls_that_can_never_work(url: str, message: str) -> None:
    with pytest.raises(UnsupportedSourceError, match=message) as caught:
        classify(url)
    assert "pw" not in str(caught.value)


def test_rtsp_gets_its_transport_and_a_short_probe() -> None:
    assert ffmpeg_options("rtsp://cam/x", rtsp_transport="udp") == {
        "rtsp_transport": "udp",
        "analyzeduration": "1000000",
    }
    assert ffmpeg_options("clip.mp4") == {}
    assert ffmpeg_format("/dev/video2") == "v4l2" and ffmpeg_format("clip.mp4") is None

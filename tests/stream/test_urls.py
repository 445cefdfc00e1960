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
        ("/dev/video0/../../etc/passwd", False, False),  # a path: media roots decide
        ("rtmp://cam/live/key", True, False),
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
        ("tcp://127.0.0.1:18151?listen=1", "unsupported URL scheme 'tcp'"),
        ("udp://127.0.0.1:5000", "unsupported URL scheme 'udp'"),
        ("srt://127.0.0.1:9000?mode=listener", "unsupported URL scheme 'srt'"),
        ("pipe:0", "unsupported URL scheme 'pipe'"),
        ("concat:a.mp4|/etc/passwd", "unsupported URL scheme 'concat'"),
        ("subfile,,start,0,end,0,,:/etc/passwd", "unsupported URL"),
        ("data:video/mp4;base64,AAAA", "unsupported URL scheme 'data'"),
        ("http://cam/x?listen=1", "asks FFmpeg to listen"),
        ("rtmp://cam/live?mode=listener", "asks FFmpeg to listen"),
        (" http://cam/x", "surrounding spaces"),
        ("clip.mp4\n", "control characters"),
    ],
)
def test_refuses_urls_that_can_never_work(url: str, message: str) -> None:
    with pytest.raises(UnsupportedSourceError, match=message) as caught:
        classify(url)
    assert "pw" not in str(caught.value)


def test_rtsp_gets_its_transport_and_a_short_probe() -> None:
    assert ffmpeg_options("rtsp://cam/x", rtsp_transport="udp") == {
        "protocol_whitelist": "rtsp,rtsps,tcp,udp,tls,rtp,srtp",
        "rtsp_transport": "udp",
        "analyzeduration": "1000000",
    }
    assert ffmpeg_format("/dev/video2") == "v4l2" and ffmpeg_format("clip.mp4") is None


def test_each_kind_of_source_may_only_nest_its_own_protocols() -> None:
    assert ffmpeg_options("clip.m3u8") == {"protocol_whitelist": "file"}
    assert ffmpeg_options("file:/videos/a.mp4") == {"protocol_whitelist": "file"}
    http = ffmpeg_options("https://cam/live.m3u8")["protocol_whitelist"]
    assert http == "http,https,tcp,tls,crypto"
    assert ffmpeg_options("/dev/video0") == {}  # V4L2 opens no protocol


def test_a_users_own_command_line_may_also_use_raw_network_inputs() -> None:
    for url in ("udp://239.0.0.1:1234", "srt://127.0.0.1:9000?mode=listener", "tcp://h:1?listen=1"):
        assert classify(url, command_line=True).network
    assert ffmpeg_options("udp://239.0.0.1:1234")["protocol_whitelist"] == "udp"

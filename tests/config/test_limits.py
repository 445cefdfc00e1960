"""Every number bounded and finite, every size capped, camera URLs parsed when validated."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from config import AppConfig, CameraConfig, ConfigError, parse_config

CAMERA = {"id": "c", "url": "clip.mp4"}
SQUARE = [[0, 0], [10, 0], [10, 10]]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"fps_cap": 1e-310}, ("fps_cap",)),
        ({"fps_cap": 5e-324}, ("fps_cap",)),
        ({"fps_cap": 1001}, ("fps_cap",)),
        ({"fps_cap": math.nan}, ("fps_cap",)),
        ({"reconnect": {"backoff_initial_s": 1e300}}, ("reconnect", "backoff_initial_s")),
        ({"reconnect": {"read_timeout_s": math.inf}}, ("reconnect", "read_timeout_s")),
        ({"reconnect": {"stall_timeout_s": 1e-9}}, ("reconnect", "stall_timeout_s")),
        ({"detector": {"imgsz": 64000}}, ("detector", "imgsz")),
        ({"detector": {"conf": math.nan}}, ("detector", "conf")),
        ({"detector": {"classes": ["x"] * 1001}}, ("detector", "classes")),
        ({"detector": {"classes": ["x" * 129]}}, ("detector", "classes", 0)),
        ({"tracker": {"lost_timeout_s": -math.inf}}, ("tracker", "lost_timeout_s")),
        ({"motion": {"min_area": math.nan}}, ("motion", "min_area")),
        ({"motion": {"keyframe_interval_s": 1e300}}, ("motion", "keyframe_interval_s")),
        ({"url": "x" * 2049}, ("url",)),
        ({"url": "clip\x00.mp4"}, ("url",)),
        ({"url": "http://[::1"}, ("url",)),
        ({"url": "rtsp://[zz]/x"}, ("url",)),
        ({"url": "rtsp://h:99999/x"}, ("url",)),
        ({"url": "http:///x"}, ("url",)),
        ({"lines": [{"name": "l", "points": [[0, 0], [math.nan, 1]]}]}, ("lines", 0, "points")),
        ({"lines": [{"name": "l", "points": [[0, 0], [1e300, 1]]}]}, ("lines", 0, "points")),
        ({"zones": [{"name": "z", "polygon": [[0, 0], [math.inf, 0], [1, 1]]}]}, ("zones", 0)),
        ({"zones": [{"name": "z", "polygon": [[i, i % 7] for i in range(101)]}]}, ("zones", 0)),
        ({"zones": [{"name": f"z{i}", "polygon": SQUARE} for i in range(101)]}, ("zones",)),
        ({"lines": [{"name": "l", "points": [[0, 0], [1, 1]], "in_name": "i" * 129}]}, ("lines",)),
    ],
)
def test_out_of_bounds_cameras_are_refused(fields: dict[str, Any], where: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as refused:
        CameraConfig.model_validate({**CAMERA, **fields})
    locations = [error["loc"] for error in refused.value.errors()]
    assert any(loc[: len(where)] == where for loc in locations), locations


@pytest.mark.parametrize(
    "url",
    [
        "clip.mp4",
        "/videos/a b.mp4",
        "file:///videos/clip.mp4",
        "/dev/video0",
        "whip:",
        "rtsp://user:pw@[::1]:8554/stream",
        "http://camera.local/mjpeg?token=abc",
    ],
)
def test_usable_urls_still_validate(url: str) -> None:
    assert CameraConfig.model_validate({**CAMERA, "url": url}).url == url


def test_url_errors_never_repeat_the_url() -> None:
    with pytest.raises(ValidationError) as refused:
        CameraConfig.model_validate({**CAMERA, "url": "rtsp://admin:hunter2@cam:99999/x"})
    (error,) = refused.value.errors()
    assert "bad port" in error["msg"] and "hunter2" not in error["msg"]
    assert "cam" not in error["msg"]


def test_a_config_file_with_an_unparseable_url_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"cameras\.0\.url: .*malformed URL"):
        parse_config("cameras: [{id: a, url: 'http://[::1'}]")


def test_other_settings_are_bounded_and_finite() -> None:
    refused = [
        {"runtime": {"batch_wait_ms": math.inf}},
        {"storage": {"retention_days": 1e300}},
        {"storage": {"flush_interval_ms": math.nan}},
        {"webhooks": [{"url": "http://h/", "timeout_s": 1e300}]},
        {"auth": {"tokens": [{"token": "t" * 1025}]}},
        {"data_dir": "d" * 4097},
    ]
    for fields in refused:
        with pytest.raises(ValidationError):
            AppConfig.model_validate(fields)

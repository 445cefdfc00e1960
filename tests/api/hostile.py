"""Hostile and careless requests from issue 13 ("typo" and "No limits"), shared by the tests that
send them: each must be answered 4xx, never 5xx, and change nothing."""

from __future__ import annotations

import json
from typing import Any

PASSWORD = "hunter2"
STORED_URL = f"rtsp://admin:{PASSWORD}@127.0.0.1:9/stream"
"""The stored camera's URL: neither it nor its password may appear in any answer."""

NAN_LINE = '{"lines": [{"name": "l", "points": [[0, 0], [NaN, 1]]}]}'
INF_ZONE = '{"zones": [{"name": "z", "polygon": [[0, 0], [Infinity, 0], [1, 1]]}]}'


def new_camera(**fields: Any) -> str:
    """A new (disabled) camera's JSON with ``fields`` set."""
    return json.dumps({"id": "new", "url": "clip.mp4", "enabled": False, **fields})


def raw_camera(fields: str) -> str:
    """A new camera's JSON with ``fields`` as raw JSON text (NaN and Infinity included)."""
    return '{"id": "new", "url": "clip.mp4", "enabled": false, ' + fields + "}"


HOSTILE: list[tuple[str, str, str]] = [
    ("PATCH", "/api/cameras/kept", json.dumps({"url": "http://[::1"})),
    ("POST", "/api/cameras", new_camera(url="rtsp://[zz]/x")),
    ("PATCH", "/api/cameras/kept", json.dumps({"url": "clip\u0000.mp4"})),
    ("PATCH", "/api/cameras/kept", json.dumps({"fps_cap": 1e-310})),
    ("PATCH", "/api/cameras/kept", json.dumps({"fps_cap": 5e-324})),
    ("POST", "/api/cameras", new_camera(fps_cap=5e-324)),
    ("POST", "/api/cameras", new_camera(reconnect={"backoff_initial_s": 1e300})),
    ("POST", "/api/cameras", new_camera(url="/" + "a" * 500_000)),
    ("POST", "/api/cameras", new_camera(detector={"imgsz": 64000})),
    (
        "PATCH",
        "/api/cameras/kept",
        json.dumps({"zones": [{"name": "z", "polygon": [[1, 1]] * 100_000}]}),
    ),
    ("PATCH", "/api/cameras/kept", NAN_LINE),
    ("PATCH", "/api/cameras/kept", INF_ZONE),
    ("POST", "/api/cameras", raw_camera(NAN_LINE[1:-1])),
    ("PATCH", "/api/cameras/kept", '{"fps_cap": NaN}'),
    ("PATCH", "/api/cameras/kept", '{"fps_cap": -Infinity}'),
    ("POST", "/api/cameras", raw_camera('"motion": {"min_area": NaN}')),
    ("POST", "/api/cameras", raw_camera('"detector": {"conf": Infinity}')),
    ("POST", "/api/cameras", raw_camera('"tracker": {"lost_timeout_s": 1e999}')),
    ("POST", "/api/cameras", raw_camera('"reconnect": {"stall_timeout_s": NaN}')),
]

HUGE_BODY = new_camera(url="/" + "a" * (5 * 1024 * 1024))
"""A 5 MiB camera URL: over the request body limit (the issue stored a 50 MB one)."""

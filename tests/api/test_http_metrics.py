"""Per-route HTTP metrics on a real server: route templates (never raw paths), status codes,
latency to the headers; a live MJPEG stream counts while it flows; WebSockets are not counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.servers.api_server import ApiServer
from tests.waiting import scaled

MJPEG = "/api/cameras/{camera_id}/mjpeg"
CAMERA = "/api/cameras/{camera_id}"


@pytest.fixture
def server(make_service: ServiceFactory, square_clip: Path) -> Iterator[ApiServer]:
    app: FastAPI = create_app(
        make_service(cameras=[{"id": "sq", "url": str(square_clip), "loop": True}])
    )
    with ApiServer(app) as api:
        yield api


def http_series(client: httpx.Client) -> dict[str, dict[tuple[str, ...], float]]:
    """Sample name -> {label values: value} for the trackcast_http_* samples of /metrics."""
    text = client.get("/metrics").text
    series: dict[str, dict[tuple[str, ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("trackcast_http_"):
                labels = tuple(sample.labels.get(k, "") for k in ("method", "route", "status"))
                series.setdefault(sample.name, {})[labels] = sample.value
    return series


def test_requests_are_counted_by_route_template_and_status(server: ApiServer) -> None:
    with httpx.Client(base_url=server.url, timeout=scaled(30)) as client:
        assert client.get("/api/cameras").status_code == 200
        for _ in range(2):
            assert client.get("/api/cameras/nobody").status_code == 404
        assert client.get("/no/such/path/12345").status_code == 404
        assert client.request("BREW", "/api/cameras").status_code == 405
        assert client.delete("/metrics").status_code == 405
        refused = client.get("/api/cameras/sq", headers={"Host": "evil.example"})
        assert refused.status_code == 403  # refused by a middleware (open mode) before routing
        counts = http_series(client)["trackcast_http_requests_total"]
        with connect(f"{server.ws_url}/api/cameras/sq/tracks/ws", open_timeout=10) as ws:
            json.loads(ws.recv(timeout=scaled(10)))
        after_ws = http_series(client)["trackcast_http_requests_total"]
    assert counts[("GET", "/api/cameras", "200")] == 1
    assert counts[("GET", CAMERA, "404")] == 2
    assert counts[("GET", "unmatched", "404")] == 1
    assert counts[("other", "/api/cameras", "405")] == 1
    assert counts[("DELETE", "/metrics", "405")] == 1
    assert counts[("GET", "unmatched", "403")] == 1
    routes = {route for _, route, _ in counts}
    assert not any("nobody" in route or "12345" in route for route in routes)
    # the WebSocket added nothing; only the scrape in between counts
    assert {k: v for k, v in after_ws.items() if k[1] != "/metrics"} == {
        k: v for k, v in counts.items() if k[1] != "/metrics"
    }


def test_a_live_stream_counts_while_it_flows_and_its_latency_is_to_its_headers(
    server: ApiServer,
) -> None:
    with (
        httpx.Client(base_url=server.url, timeout=scaled(30)) as client,
        client.stream("GET", "/api/cameras/sq/mjpeg") as stream,
    ):
        assert stream.status_code == 200
        first = next(stream.iter_bytes())  # the first JPEG arrives: nothing buffers the body
        assert first.startswith(b"--")
        series = http_series(client)  # the stream still flows: it was observed at its headers
    assert series["trackcast_http_requests_total"][("GET", MJPEG, "200")] == 1
    assert series["trackcast_http_request_duration_seconds_count"][("GET", MJPEG, "")] == 1

"""The viewer draws a segmentation model's polygons (the ``polygon`` of each track in the data
channel's frame messages) in headless Chromium, on the page the app serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.restream.browser import CHROMIUM, CHROMIUM_FLAGS, require_chromium
from tests.servers.api_server import ApiServer

TRACK: dict[str, Any] = {
    "track_id": 3,
    "class_name": "person",
    "confidence": 0.8,
    "box": [20, 20, 140, 140],
    "polygon": [[20, 140], [140, 140], [20, 20]],  # the box's lower-left half
}
MESSAGE = {"width": 200, "height": 160, "tracks": [TRACK]}
ALPHA_AT = """([x, y]) => document.getElementById("overlay").getContext("2d")
  .getImageData(x, y, 1, 1).data[3]"""


@pytest.fixture
def server(make_service: ServiceFactory) -> Iterator[ApiServer]:
    with ApiServer(create_app(make_service())) as api:
        yield api


def test_the_viewer_fills_each_tracks_polygon(server: ApiServer) -> None:
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/viewer/")
            page.wait_for_function("typeof draw === 'function'")
            page.evaluate(f"draw({json.dumps(MESSAGE)}, 200, 160)")
            inside = page.evaluate(ALPHA_AT, [40, 120])
            outside = page.evaluate(ALPHA_AT, [120, 60])  # in the box, not in the polygon
            without = {**MESSAGE, "tracks": [{**TRACK, "polygon": []}]}
            page.evaluate(f"draw({json.dumps(without)}, 200, 160)")
            inside_without = page.evaluate(ALPHA_AT, [40, 120])
        finally:
            browser.close()
    assert 50 < inside < 200  # translucent fill
    assert outside == 0
    assert inside_without == 0

"""/api/cameras/{id}/mjpeg: multipart JPEGs with overlays, one encoder per camera, in Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import sync_playwright

from api.app import create_app
from restream import RestreamHub
from tests.api.conftest import ServiceFactory
from tests.restream.browser import CHROMIUM, CHROMIUM_FLAGS, require_chromium
from tests.servers.api_server import ApiServer
from tests.waiting import scaled

# Counts how often the <img> shows a new picture: its load event fires only once.
COUNT_CHANGES = """async () => {
  const img = document.querySelector("img");
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  const g = canvas.getContext("2d", {willReadFrequently: true});
  const seen = new Set();
  for (let i = 0; i < 30 && seen.size < 5; i++) {
    await new Promise((r) => setTimeout(r, 150));
    if (!img.naturalWidth) continue;
    g.drawImage(img, 0, 0, 64, 48);
    const data = g.getImageData(0, 0, 64, 48).data;
    let hash = 0;
    for (let k = 0; k < data.length; k += 4) hash = (hash * 31 + data[k]) | 0;
    seen.add(hash);
  }
  return [seen.size, img.naturalWidth, img.naturalHeight];
}"""


@pytest.fixture
def app(make_service: ServiceFactory, square_clip: Path) -> FastAPI:
    return create_app(make_service(cameras=[{"id": "sq", "url": str(square_clip), "loop": True}]))


@pytest.fixture
def server(app: FastAPI) -> Iterator[ApiServer]:
    with ApiServer(app) as api:
        yield api


def _parts(response: httpx.Response, count: int) -> list[bytes]:
    boundary = response.headers["content-type"].split("boundary=")[1].encode()
    buffer, jpegs = b"", list[bytes]()
    for chunk in response.iter_bytes():
        buffer += chunk
        while len(jpegs) < count:
            head, sep, rest = buffer.partition(b"\r\n\r\n")
            if not sep or not head.startswith(b"--" + boundary):
                break
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            if len(rest) < length + 2:
                break
            jpegs.append(rest[:length])
            buffer = rest[length + 2 :]
        if len(jpegs) >= count:
            return jpegs
    raise AssertionError(f"the stream ended after {len(jpegs)} parts")


def test_the_stream_is_a_sequence_of_new_jpegs(server: ApiServer) -> None:
    url = f"{server.url}/api/cameras/sq/mjpeg"
    with httpx.Client(timeout=20) as client, client.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/x-mixed-replace")
        jpegs = _parts(response, 4)
    assert all(j.startswith(b"\xff\xd8") and j.endswith(b"\xff\xd9") for j in jpegs)
    assert len(set(jpegs)) == 4  # the square moves: every part is a new frame


def test_viewers_share_one_relay_that_stops_with_the_last(server: ApiServer, app: FastAPI) -> None:
    url = f"{server.url}/api/cameras/sq/mjpeg"
    with httpx.Client(timeout=20) as client:
        with client.stream("GET", url) as first, client.stream("GET", url) as second:
            _parts(first, 2)
            _parts(second, 2)
            hub: RestreamHub = app.state.restream
            assert len(hub.mjpeg) == 1
        deadline = time.monotonic() + scaled(5)
        while len(hub.mjpeg) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(hub.mjpeg) == 0
        assert client.get(f"{server.url}/api/cameras/nope/mjpeg").status_code == 404


def test_the_stream_renders_and_keeps_changing_in_chromium(
    server: ApiServer, tmp_path: Path
) -> None:
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/viewer/viewer.css")  # same origin: the canvas may be read
            page.set_content('<img src="/api/cameras/sq/mjpeg">')
            changes, width, height = page.evaluate(COUNT_CHANGES)
            page.screenshot(path=tmp_path / "mjpeg.png")
        finally:
            browser.close()
    assert (width, height) == (320, 240)
    assert changes >= 5

"""The viewer page in real headless Chromium against a service that needs tokens: the API and
WHEP get the token in a header, what the browser loads itself (EventSource, images) in the
query, the only place the server takes it there."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.restream.browser import chromium_serving, loopback_namespace, require_chromium
from tests.restream.conftest import CAMERA, make_app
from tests.restream.test_viewer_browser import GRANT_MEDIA
from tests.servers.api_server import ApiServer

VIEWER = "viewer-token-0123456789"
SNAPSHOT_WIDTH = """async () => {
  const img = new Image();
  img.src = trackcastViewer.withToken("/api/cameras/square/snapshot.jpg");
  await img.decode();
  return img.naturalWidth;
}"""


@pytest.fixture(scope="module")
def guarded(
    tmp_path_factory: pytest.TempPathFactory, long_square_clip: Path
) -> Iterator[tuple[ApiServer, Browser]]:
    require_chromium()
    work = tmp_path_factory.mktemp("viewer-tokens")
    with loopback_namespace() as namespace:
        app, _ = make_app(work / "data", long_square_clip, auth={"tokens": [{"token": VIEWER}]})
        with chromium_serving(app, namespace, work) as (server, browser):
            yield server, browser
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast")]
    assert leftovers == []


def test_the_page_asks_for_a_token(guarded: tuple[ApiServer, Browser]) -> None:
    server, browser = guarded
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}/viewer/")
        page.wait_for_selector("#token-form:not([hidden])")
    finally:
        context.close()


def test_with_a_token_the_page_plays_feeds_events_and_loads_images(
    guarded: tuple[ApiServer, Browser],
) -> None:
    server, browser = guarded
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}/viewer/?token={VIEWER}")
        page.evaluate(GRANT_MEDIA)
        page.wait_for_selector(f"button.camera[data-camera={CAMERA}]")
        page.evaluate(f"trackcastViewer.open({CAMERA!r})")  # WHEP: token in the header
        page.wait_for_function("trackcastViewer.framesShown >= 3", timeout=15_000)
        assert page.evaluate("trackcastViewer.mode") == "webrtc"
        # EventSource (query token): the square's track events arrive
        page.wait_for_function("document.getElementById('events').children.length >= 1")
        assert page.evaluate(SNAPSHOT_WIDTH) == 320  # <img> (query token)
        page.evaluate("trackcastViewer.close()")
    finally:
        context.close()

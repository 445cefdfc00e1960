"""The viewer's line and zone editor in real headless Chromium: draw with the mouse, save, delete.

Chromium runs as in the MJPEG test (no network namespace): the page plays whatever it gets,
WebRTC or its MJPEG fallback, and the editor draws at the picture's intrinsic size either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect, sync_playwright

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.restream.browser import CHROMIUM, CHROMIUM_FLAGS, require_chromium
from tests.servers.api_server import ApiServer
from tests.waiting import wait_until

VIEWER_TOKEN = "viewer-token-0123456789"
SAVE_TIMEOUT_MS = 25_000  # a save reconnects the video, which may wait for WebRTC to fail
# The colour of the overlay canvas at a normalized point, as [r, g, b, a].
CANVAS_PIXEL = """([fx, fy]) => {
  const canvas = document.getElementById("overlay");
  const g = canvas.getContext("2d");
  return Array.from(g.getImageData(Math.round(fx * canvas.width),
    Math.round(fy * canvas.height), 1, 1).data);
}"""


def _camera_app(make_service: ServiceFactory, clip: Path, **fields: Any) -> FastAPI:
    camera = {"id": "sq", "url": str(clip), "loop": True}
    return create_app(make_service(cameras=[camera], **fields))


@pytest.fixture
def server(make_service: ServiceFactory, square_clip: Path) -> Iterator[ApiServer]:
    with ApiServer(_camera_app(make_service, square_clip)) as api:
        yield api


@contextmanager
def viewer_page(url: str) -> Iterator[Page]:
    """The viewer at ``url`` with camera sq open, its picture showing, the editor on."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url)
            page.click('[data-camera="sq"]')
            page.wait_for_function("trackcastViewer.mode !== null", timeout=20_000)
            page.click("#edit")
            page.wait_for_function(
                "document.getElementById('overlay').getBoundingClientRect().height > 100"
            )
            yield page
        finally:
            browser.close()


def click_at(page: Page, fx: float, fy: float, *, double: bool = False) -> None:
    """Click the overlay canvas at a fraction of its shown width and height."""
    box = page.locator("#overlay").bounding_box()
    assert box is not None
    x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
    if double:
        page.mouse.dblclick(x, y)
    else:
        page.mouse.click(x, y)


def draw_line(
    page: Page, name: str, ends: list[tuple[float, float]], in_out: tuple[str, str]
) -> None:
    page.check('input[name="tool"][value="line"]')
    page.fill("#region-name", name)
    page.fill("#in-name", in_out[0])
    page.fill("#out-name", in_out[1])
    for fx, fy in ends:
        click_at(page, fx, fy)


def draw_zone(page: Page, name: str, corners: list[tuple[float, float]]) -> None:
    """Click every corner but the last, then close the zone by double-clicking the last."""
    page.check('input[name="tool"][value="zone"]')
    page.fill("#region-name", name)
    for fx, fy in corners[:-1]:
        click_at(page, fx, fy)
    click_at(page, *corners[-1], double=True)


def save(page: Page) -> None:
    page.click("#save-regions")
    expect(page.locator("#editor-message")).to_have_text("Saved.", timeout=SAVE_TIMEOUT_MS)
    assert page.evaluate("trackcastViewer.mode") in ("webrtc", "mjpeg")  # the video is back


def camera(server: ApiServer) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/api/cameras/sq", timeout=10)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def assert_points(actual: list[list[float]], expected: list[tuple[float, float]]) -> None:
    assert len(actual) == len(expected)
    for (x, y), (ex, ey) in zip(actual, expected, strict=True):
        assert x == pytest.approx(ex, abs=0.01)
        assert y == pytest.approx(ey, abs=0.01)


def test_draw_save_delete_and_a_refused_zone(server: ApiServer, tmp_path: Path) -> None:
    door = [(0.1, 0.5), (0.9, 0.5)]
    yard = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.8)]
    with viewer_page(f"{server.url}/viewer/") as page:
        draw_line(page, "door", door, ("enter", "leave"))
        draw_zone(page, "yard", yard)
        expect(page.locator("#region-list li")).to_have_count(2)
        save(page)
        page.screenshot(path=tmp_path / "editor-saved.png")
        saved = camera(server)
        [line], [zone] = saved["lines"], saved["zones"]
        assert (line["name"], line["in_name"], line["out_name"]) == ("door", "enter", "leave")
        assert (line["coordinates"], zone["name"], zone["coordinates"]) == (
            "normalized",
            "yard",
            "normalized",
        )
        assert_points(line["points"], door)
        assert_points(zone["polygon"], yard)
        red, green, blue, _ = page.evaluate(CANVAS_PIXEL, [0.3, 0.5])
        assert red > 150 and green > 100 and blue < 100  # the saved line is drawn, in yellow

        page.get_by_role("button", name="Delete line door").click()
        expect(page.locator("#region-list li")).to_have_count(1)
        save(page)
        saved = camera(server)
        assert saved["lines"] == []
        assert [z["name"] for z in saved["zones"]] == ["yard"]

        page.check('input[name="tool"][value="zone"]')
        page.fill("#region-name", "tiny")
        click_at(page, 0.7, 0.7)
        click_at(page, 0.9, 0.9)
        page.keyboard.press("Enter")
        page.click("#save-regions")
        message = page.locator("#editor-message")
        expect(message).to_contain_text("(422)", timeout=10_000)
        expect(message).to_contain_text(re.compile(r"zone tiny, polygon: .*at least 3"))
        expect(message).to_have_class(re.compile("error"))
        page.screenshot(path=tmp_path / "editor-refused.png")

        page.get_by_role("button", name="Delete zone tiny").click()
        draw_line(page, "yard", door, ("in", "out"))
        page.click("#save-regions")
        expect(message).to_contain_text("the name yard is used twice")
    assert [z["name"] for z in camera(server)["zones"]] == ["yard"]


def test_a_viewer_token_is_told_it_may_not_save(
    make_service: ServiceFactory, square_clip: Path, tmp_path: Path
) -> None:
    auth = {"open": False, "tokens": [{"token": VIEWER_TOKEN, "role": "viewer"}]}
    app = _camera_app(make_service, square_clip, auth=auth)
    with ApiServer(app) as api, viewer_page(f"{api.url}/viewer/?token={VIEWER_TOKEN}") as page:
        draw_line(page, "door", [(0.1, 0.5), (0.9, 0.5)], ("in", "out"))
        page.click("#save-regions")
        message = page.locator("#editor-message")
        expect(message).to_contain_text("403", timeout=10_000)
        expect(message).to_contain_text("admin token")
        page.screenshot(path=tmp_path / "editor-forbidden.png")
        response = httpx.get(
            f"{api.url}/api/cameras/sq",
            headers={"Authorization": f"Bearer {VIEWER_TOKEN}"},
            timeout=10,
        )
        assert response.json()["lines"] == []


def filtered_by_ignore(server: ApiServer) -> float:
    """trackcast_camera_detections_filtered{camera="sq",reason="ignore"} from /metrics."""
    pattern = re.compile(
        r'^trackcast_camera_detections_filtered_total\{camera="sq",reason="ignore"\} (\S+)$'
    )
    for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
        if match := pattern.match(line):
            return float(match.group(1))
    return 0.0


def test_draw_an_ignore_mask_a_privacy_zone_and_a_filter(server: ApiServer, tmp_path: Path) -> None:
    mask = [(0.02, 0.02), (0.98, 0.02), (0.98, 0.98), (0.02, 0.98)]  # the square is always inside
    hidden = [(0.01, 0.01), (0.2, 0.01), (0.2, 0.2)]
    with viewer_page(f"{server.url}/viewer/") as page:
        assert filtered_by_ignore(server) == 0
        page.check('input[name="tool"][value="ignore"]')
        expect(page.locator("#region-name")).to_be_hidden()  # masks have no names
        page.fill("#ignore-classes", "square")
        page.select_option("#ignore-anchor", "center")
        for fx, fy in mask[:-1]:
            click_at(page, fx, fy)
        click_at(page, *mask[-1], double=True)
        page.check('input[name="tool"][value="privacy"]')
        for fx, fy in hidden[:-1]:
            click_at(page, fx, fy)
        click_at(page, *hidden[-1])
        page.keyboard.press("Enter")
        page.fill("#filter-class", "square")
        page.fill("#filter-min-score", "0.1")
        page.click("#add-filter")
        expect(page.locator("#region-list li")).to_have_count(3)
        expect(page.locator("#region-list")).to_contain_text("filter square (min score 0.1)")
        red, green, blue, _ = page.evaluate(CANVAS_PIXEL, [0.5, 0.5])
        assert red > 150 and green < 100 and blue < 100  # the mask is drawn, in red
        save(page)
        page.screenshot(path=tmp_path / "editor-masks-saved.png")

        saved = camera(server)
        [ignore] = saved["ignore"]
        assert (ignore["classes"], ignore["anchor"]) == (["square"], "center")
        assert ignore["coordinates"] == "normalized"
        assert_points(ignore["polygon"], mask)
        [zone] = saved["privacy"]["zones"]
        assert_points(zone["polygon"], hidden)
        assert saved["filters"] == {"square": {"min_score": 0.1, "min_area": 0, "max_area": 1}}
        # the restarted camera drops every square: its anchor lies inside the mask
        wait_until(lambda: filtered_by_ignore(server) >= 3, timeout_s=30)
        health = camera(server)["health"]["detections_filtered"]
        assert health.get("ignore", 0) >= 3

        # a class the model does not have: refused, with the model's classes, nothing changed
        page.fill("#filter-class", "sqare")
        page.click("#add-filter")
        page.click("#save-regions")
        message = page.locator("#editor-message")
        expect(message).to_contain_text("(400)", timeout=10_000)
        expect(message).to_contain_text("filters.sqare: 'sqare' never reported")
        expect(message).to_contain_text("(its classes: square;")
        expect(message).to_have_class(re.compile("error"))
        page.screenshot(path=tmp_path / "editor-misspelt-class.png")
        assert camera(server)["filters"] == saved["filters"]
        assert camera(server)["state"] == "streaming"

        page.get_by_role("button", name="Delete filter sqare").click()
        page.check('input[name="tool"][value="ignore"]')
        click_at(page, 0.7, 0.7)
        click_at(page, 0.9, 0.9)
        page.keyboard.press("Enter")
        page.click("#save-regions")
        expect(message).to_contain_text("(422)", timeout=10_000)
        expect(message).to_contain_text(re.compile(r"ignore mask 2, polygon: .*at least 3"))
        page.get_by_role("button", name="Delete ignore mask 2").click()
        page.get_by_role("button", name="Delete ignore mask 1").click()
        page.get_by_role("button", name="Delete privacy zone 1").click()
        expect(page.locator("#region-list li")).to_have_count(1)
        save(page)
    saved = camera(server)
    assert (saved["ignore"], saved["privacy"]["zones"]) == ([], [])
    assert list(saved["filters"]) == ["square"]

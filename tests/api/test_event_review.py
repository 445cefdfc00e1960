"""The event review page (/viewer/events.html) in real headless Chromium, offline, against a real
service: the person model tracks vtest footage on two file cameras with the demo's line and zone,
events and counts are stored in SQLite, clips are cut from the H.264 camera's packet ring.

Camera ``walkway`` plays an H.264 cut of vtest.avi (so its events get clips); camera ``vtest``
plays data/vtest.avi itself, as the demo does, with clips off. The cameras keep running
while the page is read, so new events arrive as it scrolls: the page's first row fixes what it
must show (everything up to that ``seq``, which later commits cannot change), and the charts are
compared with the API until a redraw and the API agree between two new counts. Every request
that leaves the server is refused and fails the test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from api.app import create_app
from config import AppConfig
from service import build_service
from tests.restream.browser import CHROMIUM, CHROMIUM_FLAGS, require_chromium
from tests.servers.api_server import ApiServer
from tests.sources import local_sources
from tests.waiting import scaled, wait_until

VIEWER = "review-viewer-token-0123456789"
LINE = {
    "name": "crossing",
    "points": [[0.703125, 0.2], [0.703125, 1.0]],
    "coordinates": "normalized",
    "in_name": "westbound",
    "out_name": "eastbound",
}
ZONE = {
    "name": "path",
    "polygon": [[0.25, 0.45], [0.75, 0.45], [0.75, 0.95], [0.25, 0.95]],
    "coordinates": "normalized",
}
WANTED_EVENTS = 80
"""Enough for four pages of the page's 25."""
LOAD_MS = scaled(30_000)
THUMBNAILS_LOADED = """() => {
  const images = Array.from(document.querySelectorAll('#event-rows img'));
  return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
}"""


@dataclass(frozen=True)
class Site:
    api: ApiServer
    browser: Browser

    def events(self, **filters: Any) -> list[dict[str, Any]]:
        """Every stored event matching ``filters``, newest first (the page's order)."""
        params = {"order": "desc", "limit": 1000, **filters}
        response = httpx.get(
            f"{self.api.url}/api/events", params=params, headers=_bearer(VIEWER), timeout=10
        )
        response.raise_for_status()
        events: list[dict[str, Any]] = response.json()["events"]
        return events

    def seqs(self, **filters: Any) -> list[int]:
        return [event["seq"] for event in self.events(**filters)]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _clip_ready(api: ApiServer, event_id: str) -> bool:
    url = f"{api.url}/api/events/{event_id}/clip.mp4"
    response = httpx.get(url, headers={"Range": "bytes=0-0", **_bearer(VIEWER)}, timeout=10)
    return response.status_code == 206


def _enough_happened(site: Site) -> bool:
    events = site.events()
    by_camera = Counter(event["camera_id"] for event in events)
    types = {event["type"] for event in events}
    return (
        len(events) >= WANTED_EVENTS
        and by_camera["walkway"] > 0
        and by_camera["vtest"] > 0
        and {"line.crossed", "zone.entered"} <= types
        and any(_clip_ready(site.api, e["id"]) for e in events[:40] if e["camera_id"] == "walkway")
    )


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, camera_clip: Path, vtest: Path
) -> Iterator[Site]:
    require_chromium()
    clips = {"pre_capture_s": 1, "post_capture_s": 1, "max_ring_s": 5}
    regions = {"lines": [LINE], "zones": [ZONE], "clips": clips}
    off = {"enabled": False}
    footage = vtest.resolve()
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path_factory.mktemp("review-data")),
            "auth": {"tokens": [{"token": VIEWER}]},
            "detector": {"model": "person-yolov8s", "imgsz": 320},
            "storage": {"flush_interval_ms": 100},
            "sources": local_sources(camera_clip.parent, footage.parent).model_dump(),
            "cameras": [
                {"id": "walkway", "url": str(camera_clip), "loop": True, **regions},
                # keeps no clips (an MPEG-4 part 2 camera would otherwise get encoded ones)
                {"id": "vtest", "url": str(footage), "loop": True, **regions, "clips": off},
            ],
        }
    )
    with ApiServer(create_app(build_service(config))) as api, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            site = Site(api, browser)
            wait_until(lambda: _enough_happened(site), timeout_s=240, step_s=1)
            yield site
        finally:
            browser.close()


@dataclass
class Offline:
    """Requests the page made that left the server (refused) and that failed."""

    off_host: list[str]
    failed: list[str]


@pytest.fixture
def page(site: Site) -> Iterator[tuple[Page, Offline]]:
    context = site.browser.new_context(viewport={"width": 1280, "height": 800})
    offline = Offline([], [])

    def route(route: Route) -> None:
        if route.request.url.startswith(f"{site.api.url}/"):
            route.continue_()
        else:
            offline.off_host.append(route.request.url)
            route.abort()

    try:
        page = context.new_page()
        page.route("**/*", route)
        page.on("requestfailed", lambda request: offline.failed.append(request.url))
        yield page, offline
    finally:
        context.close()
    assert offline.off_host == []


def _open(page: Page, site: Site, **filters: Any) -> None:
    query = urlencode({"token": VIEWER, **filters})
    page.goto(f"{site.api.url}/viewer/events.html?{query}")
    page.wait_for_function("trackcastEvents.pages >= 1", timeout=LOAD_MS)


def _scroll_to_the_end(page: Page) -> list[int]:
    """Scroll down until the page has loaded its last page; the seqs it shows."""
    for _ in range(200):
        if page.evaluate("trackcastEvents.done && !trackcastEvents.loading"):
            break
        pages = page.evaluate("trackcastEvents.pages")
        page.locator("#list-end").scroll_into_view_if_needed()
        page.mouse.wheel(0, 5000)
        page.wait_for_function(
            f"trackcastEvents.pages > {pages} || trackcastEvents.done", timeout=LOAD_MS
        )
    shown: list[int] = page.evaluate("trackcastEvents.seqs")
    rows = page.eval_on_selector_all("#event-rows tr", "rows => rows.map(r => +r.dataset.seq)")
    assert rows == shown
    return shown


def test_rows_show_the_newest_events_with_loaded_thumbnails(
    site: Site, page: tuple[Page, Offline]
) -> None:
    browser_page, offline = page
    _open(browser_page, site)
    browser_page.wait_for_function(THUMBNAILS_LOADED, timeout=LOAD_MS)
    first_page: list[int] = browser_page.evaluate("trackcastEvents.seqs")
    assert len(first_page) == 25  # one page, not more, until the list is scrolled
    newest = site.events(before=first_page[0] + 1, limit=len(first_page))
    assert first_page == [e["seq"] for e in newest]
    with_thumbnails = sum(1 for e in newest if e["thumbnail"])
    assert with_thumbnails > 0
    assert browser_page.locator("#event-rows img").count() == with_thumbnails
    top = browser_page.locator("#event-rows tr").first.inner_text()
    assert newest[0]["camera_id"] in top and newest[0]["type"] in top
    assert offline.failed == []


def test_scrolling_loads_every_page_once_in_seq_order(
    site: Site, page: tuple[Page, Offline]
) -> None:
    browser_page, offline = page
    _open(browser_page, site)
    shown = _scroll_to_the_end(browser_page)
    assert browser_page.evaluate("trackcastEvents.pages") >= 3
    # everything up to the first row, newest first: no duplicate and no gap, although new
    # events were stored while it scrolled
    assert shown == site.seqs(before=shown[0] + 1)
    assert len(set(shown)) == len(shown) >= WANTED_EVENTS
    assert site.seqs()[0] > shown[0]
    assert "no more" in browser_page.inner_text("#list-end")
    assert offline.failed == []


@pytest.mark.parametrize(
    "filters",
    [
        {"camera": "vtest"},
        {"type": "line.crossed"},
        {"class_name": "person", "type": "zone.entered"},
        {"region": "crossing"},
        {"region": "path", "camera": "walkway"},
    ],
    ids=["camera", "type", "class", "line", "zone-and-camera"],
)
def test_filters_narrow_the_list_as_the_api_does(
    site: Site, page: tuple[Page, Offline], filters: dict[str, str]
) -> None:
    browser_page, _ = page
    _open(browser_page, site)
    for name, value in filters.items():
        field = {"camera": "#f-camera", "type": "#f-type", "region": "#f-region"}.get(name)
        if field is None:
            browser_page.fill("#f-class", value)
        else:
            browser_page.select_option(field, value)
    browser_page.click("#filters button[type=submit]")
    browser_page.wait_for_function("trackcastEvents.pages >= 1 && !trackcastEvents.loading")
    shown = _scroll_to_the_end(browser_page)
    assert shown, filters
    assert shown == site.seqs(before=shown[0] + 1, **filters)
    assert len(shown) < len(site.seqs(before=shown[0] + 1))
    for name, value in filters.items():  # the filters travel in the page's own URL
        assert f"{name}={value}" in browser_page.url


def test_time_filters_from_the_url_narrow_the_list(site: Site, page: tuple[Page, Offline]) -> None:
    browser_page, _ = page
    times = sorted(int(e["time"]) for e in site.events())
    since, until = times[len(times) // 4], times[3 * len(times) // 4]
    _open(browser_page, site, since=since, until=until)
    assert browser_page.input_value("#f-since") != ""
    assert browser_page.input_value("#f-until") != ""
    shown = _scroll_to_the_end(browser_page)
    assert shown
    assert shown == site.seqs(before=shown[0] + 1, since=since, until=until)
    assert len(shown) < len(site.seqs(before=shown[0] + 1))


def test_a_class_nothing_has_shows_no_events(site: Site, page: tuple[Page, Offline]) -> None:
    browser_page, _ = page
    _open(browser_page, site, class_name="car")
    browser_page.wait_for_function("trackcastEvents.done")
    assert browser_page.evaluate("trackcastEvents.seqs") == []
    assert "no events match" in browser_page.inner_text("#list-end")


def _bars(browser_page: Page) -> Counter[tuple[str, str, str, int]]:
    bars: list[list[Any]] = browser_page.eval_on_selector_all(
        ".chart rect.bar",
        """rects => rects.map(r => {
          const figure = r.closest('figure');
          return [figure.dataset.camera, figure.dataset.region, r.dataset.direction,
                  +r.dataset.bucket, +r.dataset.count];
        })""",
    )
    return Counter({(c, r, d, b): n for c, r, d, b, n in bars})


def _buckets(site: Site, **params: Any) -> Counter[tuple[str, str, str, int]]:
    """The API's counts summed over classes, per camera, region, direction and bucket."""
    response = httpx.get(
        f"{site.api.url}/api/counts", params=params, headers=_bearer(VIEWER), timeout=10
    )
    response.raise_for_status()
    sums: Counter[tuple[str, str, str, int]] = Counter()
    for row in response.json():
        sums[row["camera_id"], row["region"], row["direction"], row["bucket_start"]] += row["count"]
    return +sums


def _redrawn_matches_the_api(browser_page: Page, site: Site, **params: Any) -> bool:
    """Apply the filters (a redraw from a fresh /api/counts), then compare the bars with the
    API's counts; False when a count changed in between (the cameras keep counting)."""
    drawn = browser_page.evaluate("trackcastEvents.chartsDrawn")
    browser_page.click("#filters button[type=submit]")
    browser_page.wait_for_function(f"trackcastEvents.chartsDrawn > {drawn}", timeout=LOAD_MS)
    return _bars(browser_page) == _buckets(site, **params)


@pytest.mark.parametrize("interval", ["1m", "15m"])
def test_the_charts_draw_one_bar_per_count_bucket(
    site: Site, page: tuple[Page, Offline], interval: str
) -> None:
    browser_page, offline = page
    _open(browser_page, site, interval=interval)
    browser_page.wait_for_function("trackcastEvents.chartsDrawn >= 1", timeout=LOAD_MS)
    wait_until(lambda: _redrawn_matches_the_api(browser_page, site, interval=interval), 60, 0.5)
    drawn = _bars(browser_page)
    assert {r for _, r, _, _ in drawn} == {"crossing", "path"}  # lines and zones both
    charts = browser_page.eval_on_selector_all(
        ".chart", "figures => figures.map(f => f.dataset.camera + '/' + f.dataset.region)"
    )
    assert sorted(charts) == sorted({f"{c}/{r}" for c, r, _, _ in drawn})
    heights = browser_page.eval_on_selector_all(
        ".chart rect.bar", "rects => rects.map(r => r.getBBox().height)"
    )
    assert len(heights) == len(drawn) and all(height > 0 for height in heights)
    # a filter redraws them: one camera's line only
    camera = site.events(type="line.crossed")[0]["camera_id"]
    browser_page.select_option("#f-camera", camera)
    browser_page.select_option("#f-region", "crossing")
    narrowed = {"interval": interval, "camera": camera, "region": "crossing"}
    wait_until(lambda: _redrawn_matches_the_api(browser_page, site, **narrowed), 60, 0.5)
    assert {(c, r) for c, r, _, _ in _bars(browser_page)} == {(camera, "crossing")}
    assert offline.failed == []


def test_a_clip_plays_and_a_missing_one_says_no_clip(
    site: Site, page: tuple[Page, Offline]
) -> None:
    browser_page, _ = page
    walkway = site.events(camera="walkway")
    ready = next(e for e in walkway if _clip_ready(site.api, e["id"]))
    _open(browser_page, site, camera="walkway", until=int(ready["time"]) + 1)
    browser_page.wait_for_selector(f'#event-rows tr[data-id="{ready["id"]}"]')
    browser_page.click(f'#event-rows tr[data-id="{ready["id"]}"] button.play')
    browser_page.wait_for_function(
        f"trackcastEvents.clip && trackcastEvents.clip.id === {ready['id']!r} && "
        "trackcastEvents.clip.state === 'playing'",
        timeout=LOAD_MS,
    )
    browser_page.wait_for_function(
        "document.getElementById('clip').currentTime > 0.3", timeout=LOAD_MS
    )
    size = browser_page.evaluate(
        "[document.getElementById('clip').videoWidth, document.getElementById('clip').videoHeight]"
    )
    assert size == [768, 576]
    # The vtest camera keeps no clips (``clip`` null): its button's try finds a 404, "no clip".
    other = site.events(camera="vtest")[0]
    _open(browser_page, site, camera="vtest", until=int(other["time"]) + 1)
    row = f'#event-rows tr[data-id="{other["id"]}"]'
    browser_page.wait_for_selector(row)
    button = browser_page.locator(f"{row} button.play")
    if button.count():
        button.click()
        browser_page.wait_for_function(
            f"trackcastEvents.clip && trackcastEvents.clip.id === {other['id']!r} && "
            "trackcastEvents.clip.state === 'no clip'",
            timeout=LOAD_MS,
        )
    assert "no clip" in browser_page.locator(f"{row} .clip-cell").inner_text()


def test_the_page_asks_for_a_token_and_the_live_view_links_to_it(
    site: Site, page: tuple[Page, Offline]
) -> None:
    browser_page, _ = page
    browser_page.goto(f"{site.api.url}/viewer/events.html")
    browser_page.wait_for_selector("#token-form:not([hidden])")
    browser_page.fill("#token", VIEWER)
    browser_page.click("#token-form button")
    browser_page.wait_for_function("trackcastEvents.pages >= 1", timeout=LOAD_MS)
    browser_page.goto(f"{site.api.url}/viewer/?token={VIEWER}")
    link = browser_page.get_attribute("#events-link", "href")
    assert link is not None and "/viewer/events.html" in link
    browser_page.click("#events-link")
    browser_page.wait_for_url("**/viewer/events.html?**", timeout=LOAD_MS)
    browser_page.wait_for_function("trackcastEvents.pages >= 1", timeout=LOAD_MS)
    assert f"token={VIEWER}" in browser_page.url

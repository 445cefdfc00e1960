"""/docs (Swagger UI) and /redoc render every operation in headless Chromium with nothing but the
app to load from: any request that leaves the server is refused and fails the test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, sync_playwright

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.restream.browser import CHROMIUM, CHROMIUM_FLAGS, require_chromium
from tests.servers.api_server import ApiServer

RENDER_TIMEOUT_MS = 60_000


@pytest.fixture
def server(make_service: ServiceFactory) -> Iterator[ApiServer]:
    with ApiServer(create_app(make_service())) as api:
        yield api


def _operations(server: ApiServer) -> list[dict[str, Any]]:
    spec = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    return [op for methods in spec["paths"].values() for op in methods.values()]


def _offline_page(page: Page, server: ApiServer, off_host: list[str]) -> None:
    """Let the page load from the server alone; record and refuse everything else."""

    def route(route: Route) -> None:
        if route.request.url.startswith(f"{server.url}/"):
            route.continue_()
        else:
            off_host.append(route.request.url)
            route.abort()

    page.route("**/*", route)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_render_every_operation_offline(server: ApiServer, path: str) -> None:
    require_chromium()
    operations = _operations(server)
    off_host: list[str] = []
    failed: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _offline_page(page, server, off_host)
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(f"{server.url}{path}")
            if path == "/docs":
                selector = ".opblock .opblock-summary-description"
            else:
                selector = "[data-section-id^='tag/'] h2"
            page.wait_for_function(
                f"document.querySelectorAll({selector!r}).length >= {len(operations)}",
                timeout=RENDER_TIMEOUT_MS,
            )
            shown = page.locator(selector).all_inner_texts()
        finally:
            browser.close()
    assert off_host == []
    assert failed == []
    summaries = {op["summary"] for op in operations}
    assert summaries <= {re.sub(r"\s+", " ", text).strip() for text in shown}


def test_every_asset_of_the_docs_pages_is_served_by_the_app(server: ApiServer) -> None:
    for path in ("/docs", "/redoc"):
        page = httpx.get(f"{server.url}{path}", timeout=30)
        assert page.status_code == 200
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        urls += re.findall(r"""(?:url: ?|spec-url=)["']([^"']+)["']""", page.text)
        assert len(urls) >= 2, page.text
        for url in urls:
            assert url.startswith("/"), (path, url)
            assert not url.startswith("//"), (path, url)
            asset = httpx.get(f"{server.url}{url}", timeout=30)
            assert asset.status_code == 200, (path, url)
            assert len(asset.content) > 1000, (path, url)

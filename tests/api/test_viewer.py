"""The viewer's routes: redirects keep the query string (the token travels in it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/", "/viewer"])
def test_the_redirect_to_the_viewer_keeps_the_token(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?token=abc%2Fdef&camera=lobby", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/viewer/?token=abc%2Fdef&camera=lobby"


def test_without_a_query_the_redirect_has_none(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/viewer/"


def test_the_viewer_page_is_served(client: TestClient) -> None:
    response = client.get("/?token=t")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")

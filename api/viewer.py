"""The browser viewer: static HTML and JavaScript (no build step) at ``/viewer/``.

The files themselves need no token; the page asks for one when the API does.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse

from api.deps import not_found

router = APIRouter(tags=["live view"], include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
_NAME = re.compile(r"^[a-z0-9_-]+\.(html|js|css)$")
_TYPES = {"html": "text/html", "js": "text/javascript", "css": "text/css"}


def _to_viewer(request: Request) -> RedirectResponse:
    """Redirect to the viewer, keeping the query string: ``/?token=...`` must reach the page."""
    query = request.url.query
    return RedirectResponse(f"/viewer/?{query}" if query else "/viewer/")


@router.get("/")
def root(request: Request) -> RedirectResponse:
    return _to_viewer(request)


@router.get("/viewer")
def viewer_redirect(request: Request) -> RedirectResponse:
    return _to_viewer(request)


@router.get("/viewer/")
def viewer() -> FileResponse:
    return static_file("index.html")


@router.get("/viewer/{name}")
def static_file(name: str) -> FileResponse:
    path = STATIC / name
    if not _NAME.match(name) or not path.is_file():
        raise not_found(f"file {name!r}")
    return FileResponse(
        path, media_type=_TYPES[name.rsplit(".", 1)[1]], headers={"Cache-Control": "no-cache"}
    )

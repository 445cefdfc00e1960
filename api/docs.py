"""Swagger UI at /docs and ReDoc at /redoc, with their scripts and styles served by the app itself.

FastAPI's pages load Swagger UI and ReDoc from a CDN, so they are blank on a network without the
internet, which is where cameras usually are. The same files ship in the ``fastapi-offline``
package; the app serves them from ``/docs/static``. The pages need no token (they are static);
"Authorize" in Swagger UI takes one for the calls it makes.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_URL = "/docs/static"
ASSETS = Path(str(files("fastapi_offline") / "static"))
"""swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js and favicon.png."""
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
"""ReDoc's "API docs by Redocly" footer loads its logo from here, whatever the options."""


@cache
def _redoc_js() -> bytes:
    """ReDoc with its footer logo taken from the app (no request leaves the server)."""
    script = (ASSETS / "redoc.standalone.js").read_bytes()
    return script.replace(REDOC_LOGO, f"{STATIC_URL}/favicon.png".encode())


def install(app: FastAPI) -> None:
    """Serve the pages and their assets; ``app`` must be made with ``docs_url=None`` and
    ``redoc_url=None``."""
    title = f"{app.title} API"
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(f"{STATIC_URL}/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:  # before the mount, which would serve the original
        return Response(
            _redoc_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
        )

    app.mount(STATIC_URL, StaticFiles(directory=ASSETS), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
            # validatorUrl: no badge from validator.swagger.io
            swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )

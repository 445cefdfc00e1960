"""422 bodies that say where and why a request is invalid, never what was sent or stored.

Pydantic's errors carry the offending ``input`` (and ``ctx`` values); for a PATCH that input is the
merged camera, stored URL and password included. Only location, message and type go out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette import status


def public_errors(
    errors: Iterable[Mapping[str, Any]], *, prefix: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """``loc`` (after ``prefix``), ``msg`` and ``type`` of each error: what a client needs to fix
    its request."""
    return [
        {
            "loc": _location((*prefix, *error.get("loc", ()))),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def _location(loc: Sequence[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _handle(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse(
        {"detail": public_errors(error.errors())},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def install(app: FastAPI) -> None:
    """Answer every request validation error with :func:`public_errors`."""
    app.add_exception_handler(RequestValidationError, _handle)

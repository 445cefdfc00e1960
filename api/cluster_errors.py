"""Cluster mode: a request the cluster did not answer is a 503 (try again), not a 500."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from cluster import ClusterError


async def _handle(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ClusterError)
    return JSONResponse(
        {"detail": str(error)},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


def install(app: FastAPI) -> None:
    """Answer every ClusterError (an actor gone, restarting or too slow) with 503."""
    app.add_exception_handler(ClusterError, _handle)

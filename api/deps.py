"""Small request helpers shared by the routers."""

from __future__ import annotations

from fastapi import HTTPException, Request, WebSocket, status

from service import Service

MAX_ID = 2**63 - 1
"""Largest seq or id a database column holds; bigger cursors are refused with 422."""


def service_of(request: Request | WebSocket) -> Service:
    service: Service = request.app.state.service
    return service


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no {what}")

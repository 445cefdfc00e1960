"""The error responses operations document: status, meaning, body and an example."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorOut(BaseModel):
    """What every error but a 422 answers: a sentence saying what went wrong and what to do."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"detail": "no camera 'door'"}]},
    )

    detail: str


_MEANINGS: dict[int, tuple[str, str]] = {
    400: (
        "The request is well-formed but cannot be carried out (a model that does not load, a "
        "source the server's ``sources`` settings refuse).",
        "cannot read camera URL: host name 'cam.invalid' does not resolve",
    ),
    401: (
        "No valid API token: send ``Authorization: Bearer <token>``.",
        "a valid API token is required (Authorization: Bearer <token>)",
    ),
    403: ("The token is a viewer token; this needs an admin token.", "this needs an admin token"),
    404: ("No such resource.", "no camera 'door'"),
    409: ("It conflicts with what exists.", "camera 'door' already exists"),
    410: (
        "It existed and was deleted (retention); it will not come back.",
        "the clip of event '018bd2a7c5e0f3a1b2c3d4e5f6a7b8c9' expired: retention: older than "
        "clips.retention_days (7 days)",
    ),
    413: ("The body is larger than the server accepts.", "request body larger than 1048576 bytes"),
    415: (
        "The body is not of the media type the operation takes.",
        "send the offer as application/sdp",
    ),
    416: (
        "The stretch of video asked for is not (wholly) kept; the message says what is.",
        "the stretch from 2024-03-01T08:00:00.000Z to 2024-03-01T08:01:00.000Z is not kept: "
        "camera 'door' has video from ...",
    ),
    429: (
        "This caller holds every session it may; try again after ``Retry-After`` seconds.",
        "this client already holds 4 sessions",
    ),
    503: (
        "No session can be taken now; try again after ``Retry-After`` seconds.",
        "every WebRTC session is taken",
    ),
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for ``codes``, each with :class:`ErrorOut` and an example."""
    return {
        code: {
            "model": ErrorOut,
            "description": _MEANINGS[code][0],
            "content": {"application/json": {"example": {"detail": _MEANINGS[code][1]}}},
        }
        for code in codes
    }


READ = errors(401)
"""What every guarded read can answer besides its own errors."""
WRITE = errors(401, 403)
"""What every guarded write can answer besides its own errors."""

"""A saved camera that cannot be used: shown as ``failed``, fixed or deleted by the operator,
never started and never allowed to stop the service.

Saved settings can stop validating when a newer trackcast tightens a limit (an URL that parsed
loosely before, a number now out of range) or when the database was edited by hand; a saved
camera's model can stop loading when its file goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from config.camera_url import check_camera_url
from config.errors import describe
from config.limits import MAX_URL_LENGTH
from config.models import CameraConfig
from stream.redact import redact_url

MAX_REASON_LENGTH = 1000
"""A reason longer than this (hundreds of bad polygon points) is cut."""


@dataclass(frozen=True, slots=True)
class InvalidCamera:
    """The saved settings as they are, and why they cannot be used."""

    id: str
    data: Mapping[str, Any] = field(repr=False)
    """The saved settings (credentials included: never show them)."""
    reason: str
    """Each problem as ``key: message``; no value is repeated."""

    @property
    def display_url(self) -> str:
        """The saved URL with credentials redacted, or only its scheme if it does not parse."""
        url = self.data.get("url")
        if not isinstance(url, str) or not url:
            return ""
        try:
            return redact_url(check_camera_url(url[: MAX_URL_LENGTH + 1]))
        except ValueError:
            scheme, colon, _ = url.partition(":")
            return f"{scheme[:16]}:…" if colon and scheme.isalnum() else "…"

    @property
    def enabled(self) -> bool:
        return self.data.get("enabled", True) is True


def validate_saved(camera_id: str, data: object) -> CameraConfig | InvalidCamera:
    """``data`` as the camera ``camera_id``, or the reason it cannot be one."""
    if not isinstance(data, Mapping):
        return InvalidCamera(camera_id, {}, "the saved settings are not a JSON object")
    try:
        return CameraConfig.model_validate({**data, "id": camera_id})
    except ValidationError as error:
        reason = str(describe(error, "settings"))
        if len(reason) > MAX_REASON_LENGTH:
            reason = reason[: MAX_REASON_LENGTH - 1] + "…"
        return InvalidCamera(camera_id, data, reason)

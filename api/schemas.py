"""Response and request bodies. Requests reuse the config models; responses redact credentials."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from config import CameraConfig, LineConfig, ZoneConfig
from config.invalid_camera import InvalidCamera
from config.models import CameraUrl, FpsCap, Lines, Zones
from runtime.cameras import CameraStatus
from stream import redact_url
from stream.redact import redact_text


class CameraHealthOut(BaseModel):
    state: str
    since: float | None
    last_frame_at: float | None
    reconnects: int
    last_error: str | None
    fps_in: float
    fps_out: float
    frames_in: int
    frames_dropped: int
    frames_analysed: int
    frames_gated: int = Field(
        description="Frames the motion gate kept from the detector (shown with predicted tracks)."
    )
    duty_cycle: float = Field(
        description="Share of the camera's recent frames that went to the detector."
    )
    detector: str = Field(description="What detects, e.g. 'openvino int8'.")
    detector_state: str = Field(
        description="'ready', or what the detector does first for this camera's frame size: "
        "'calibrating: 40/100 frames', 'preparing', 'failed: <why>'."
    )


class CameraOut(BaseModel):
    """A camera as the API shows it: its settings (URL redacted) and its health."""

    id: str
    url: str
    enabled: bool
    transport: Literal["tcp", "udp"]
    fps_cap: float | None
    lines: tuple[LineConfig, ...]
    zones: tuple[ZoneConfig, ...]
    state: str
    health: CameraHealthOut

    @classmethod
    def of(cls, camera: CameraConfig, status: CameraStatus | None) -> CameraOut:
        return cls(
            id=camera.id,
            url=redact_url(camera.url),
            enabled=camera.enabled,
            transport=camera.transport,
            fps_cap=camera.fps_cap,
            lines=camera.lines,
            zones=camera.zones,
            state=status.health.state.value if status else "disabled",
            health=_health(status),
        )

    @classmethod
    def invalid(cls, camera: InvalidCamera) -> CameraOut:
        """A saved camera whose settings no longer validate: ``failed``, with the reason."""
        health = _health(None).model_copy(update={"state": "failed", "last_error": camera.reason})
        return cls(
            id=camera.id,
            url=camera.display_url,
            enabled=camera.enabled,
            transport="tcp",
            fps_cap=None,
            lines=(),
            zones=(),
            state="failed",
            health=health,
        )


def _health(status: CameraStatus | None) -> CameraHealthOut:
    if status is None:
        return CameraHealthOut(
            state="disabled", since=None, last_frame_at=None, reconnects=0, last_error=None,
            fps_in=0, fps_out=0, frames_in=0, frames_dropped=0, frames_analysed=0,
            frames_gated=0, duty_cycle=0, detector="", detector_state="",
        )  # fmt: skip
    health = status.health
    return CameraHealthOut(
        state=health.state.value,
        since=health.since,
        last_frame_at=health.last_frame_at,
        reconnects=health.reconnects,
        last_error=redact_text(health.last_error) if health.last_error else None,
        fps_in=round(health.fps_in, 2),
        fps_out=round(status.fps_out, 2),
        frames_in=health.frames_in,
        frames_dropped=health.frames_dropped,
        frames_analysed=status.frames_analysed,
        frames_gated=status.frames_gated,
        duty_cycle=round(status.duty_cycle, 3),
        detector=status.detector,
        detector_state=status.detector_state,
    )


class CameraPatch(BaseModel):
    """Fields a PATCH may change, with the limits of :class:`CameraConfig`; anything else is
    refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    url: CameraUrl | None = None
    enabled: bool | None = None
    transport: Literal["tcp", "udp"] | None = None
    fps_cap: FpsCap | None = None
    lines: Lines | None = None
    zones: Zones | None = None

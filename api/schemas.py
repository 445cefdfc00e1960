"""Response and request bodies. Requests reuse the config models; responses redact credentials."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from config import CameraConfig, LineConfig, ZoneConfig
from config.filters import ClassFilterConfig, ClassFilters, IgnoreConfig, IgnoreMasks
from config.invalid_camera import InvalidCamera
from config.models import (
    CameraUrl,
    DetectorConfig,
    FpsCap,
    Lines,
    ReconnectConfig,
    TrackerConfig,
    Zones,
)
from config.motion import MotionConfig
from config.privacy import PrivacyConfig
from runtime.cameras import CameraStatus
from stream import redact_url
from stream.redact import redact_text


class ClipsHealthOut(BaseModel):
    """How writing a camera's event clips goes."""

    written: int = Field(description="Clips written since the camera started.")
    failed: int = Field(description="Clips that could not be written since it started.")
    error: str | None = Field(
        description="Why clips fail (e.g. the disk is full), while no clip was written since; "
        "events, thumbnails and the live view carry on. Null while clips are written."
    )
    failing_since: float | None = Field(description="Epoch seconds of the first such failure.")


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
    detections_filtered: dict[str, int] = Field(
        default_factory=dict,
        description="Detections its class filters and ignore masks dropped before tracking since "
        "it started, by reason (min_score, min_area, max_area, ignore); as "
        "trackcast_camera_detections_filtered in /metrics.",
    )
    recording: str | None = Field(
        None,
        description="Continuous recording: 'recording', 'waiting for video', or 'recording "
        "stopped: <why>' (e.g. a full disk; retried every few seconds); null when it is off.",
    )
    clips: ClipsHealthOut | None = Field(
        None, description="Its event clips; null when it keeps none (clips.enabled: false)."
    )
    node: str | None = Field(
        None,
        description="Cluster mode: the Ray node that runs it; null in a single process and "
        "while it runs nowhere.",
    )


CAMERA_EXAMPLE: dict[str, Any] = {
    "id": "door",
    "url": "rtsp://admin:***@192.0.2.10:554/stream1",
    "enabled": True,
    "transport": "tcp",
    "fps_cap": 5.0,
    "realtime": True,
    "loop": False,
    "detector": {"model": "person-yolov8s", "conf": 0.3},
    "tracker": None,
    "reconnect": {"backoff_initial_s": 0.5, "backoff_max_s": 10.0},
    "lines": [{"name": "entrance", "points": [[0.1, 0.6], [0.9, 0.6]]}],
    "zones": [],
    "filters": {"person": {"min_score": 0.4, "min_area": 0.002}},
    "ignore": [{"polygon": [[0.8, 0], [1, 0], [1, 0.3]], "coordinates": "normalized"}],
    "state": "streaming",
    "node": None,
}


class CameraOut(BaseModel):
    """A camera as the API shows it: its settings (URL redacted) and its health."""

    model_config = ConfigDict(json_schema_extra={"examples": [CAMERA_EXAMPLE]})

    id: str
    url: str = Field(description="The camera URL, its password replaced by ***.")
    enabled: bool
    transport: Literal["tcp", "udp"]
    fps_cap: float | None
    realtime: bool = Field(description="Files: play at their own frame rate.")
    loop: bool = Field(description="Files: start again at the end.")
    detector: DetectorConfig | None = Field(
        description="This camera's detector settings; null: the service's (``detector`` in the "
        "config file). ``health.detector`` says what actually runs."
    )
    tracker: TrackerConfig | None = Field(
        description="This camera's tracker settings; null: the service's (``tracker``)."
    )
    reconnect: ReconnectConfig = Field(description="How it connects, notices trouble and retries.")
    motion: MotionConfig = Field(description="Motion-gated detection.")
    lines: tuple[LineConfig, ...]
    zones: tuple[ZoneConfig, ...]
    filters: dict[str, ClassFilterConfig] | None = Field(
        None,
        description="This camera's per-class filters; null: the service's (``filters`` in the "
        "config file).",
    )
    ignore: tuple[IgnoreConfig, ...] = Field(
        (), description="Polygons in which detections are dropped before tracking."
    )
    privacy: PrivacyConfig = Field(description="What its published frames hide.")
    state: str = Field(
        description="starting, connecting, streaming, stalled, backoff, stopped, failed, or "
        "disabled (not running)."
    )
    node: str | None = Field(
        None,
        description="Cluster mode: the Ray node that runs it (its node id); null in a single "
        "process and while it runs nowhere.",
    )
    health: CameraHealthOut

    @classmethod
    def of(cls, camera: CameraConfig, status: CameraStatus | None) -> CameraOut:
        return cls(
            id=camera.id,
            url=redact_url(camera.url),
            enabled=camera.enabled,
            transport=camera.transport,
            fps_cap=camera.fps_cap,
            realtime=camera.realtime,
            loop=camera.loop,
            detector=camera.detector,
            tracker=camera.tracker,
            reconnect=camera.reconnect,
            motion=camera.motion,
            lines=camera.lines,
            zones=camera.zones,
            filters=camera.filters,
            ignore=camera.ignore,
            privacy=camera.privacy,
            state=status.health.state.value if status else "disabled",
            node=status.node if status else None,
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
            realtime=True,
            loop=False,
            detector=None,
            tracker=None,
            reconnect=ReconnectConfig(),
            motion=MotionConfig(),
            lines=(),
            zones=(),
            privacy=PrivacyConfig(),
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
        detections_filtered={
            reason.value: count for reason, count in status.detections_filtered.items()
        },
        recording=_recording(status),
        clips=_clips_health(status),
        node=status.node,
    )


def _clips_health(status: CameraStatus) -> ClipsHealthOut | None:
    clips = status.clips
    if clips is None:
        return None
    return ClipsHealthOut(
        written=clips.written,
        failed=clips.failed,
        error=redact_text(clips.last_error) if clips.last_error else None,
        failing_since=clips.failing_since,
    )


def _recording(status: CameraStatus) -> str | None:
    recording = status.recording
    if recording is None:
        return None
    return recording.message or recording.state.value


class CameraPatch(BaseModel):
    """Fields a PATCH may change, with the limits of :class:`CameraConfig`; anything else is
    refused. A field that is sent replaces the camera's whole setting (``detector`` included: send
    every detector field that should differ from the defaults); ``detector: null`` and
    ``tracker: null`` return to the service's settings, ``reconnect: null``, ``motion: null`` and
    ``privacy: null`` to the defaults, ``filters: null`` to the service's filters and
    ``ignore: null`` to none. A running camera restarts with its new settings."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {"fps_cap": 5, "detector": {"model": "person-yolov8s", "conf": 0.3}},
                {"enabled": False},
                {"reconnect": {"backoff_max_s": 30, "stall_timeout_s": 10}, "tracker": None},
                {
                    "filters": {"car": {"min_area": 0.01}},
                    "ignore": [{"polygon": [[0, 0], [200, 0], [200, 80]], "classes": ["car"]}],
                },
            ]
        },
    )

    url: CameraUrl | None = None
    enabled: bool | None = None
    transport: Literal["tcp", "udp"] | None = None
    fps_cap: FpsCap | None = None
    realtime: bool | None = None
    loop: bool | None = None
    detector: DetectorConfig | None = None
    tracker: TrackerConfig | None = None
    reconnect: ReconnectConfig | None = None
    motion: MotionConfig | None = None
    lines: Lines | None = None
    zones: Zones | None = None
    filters: ClassFilters | None = None
    ignore: IgnoreMasks | None = None
    privacy: PrivacyConfig | None = None

    def changes(self) -> dict[str, Any]:
        """The settings to apply: what was sent, with null meaning the default where the camera
        has no "none" for it."""
        sent = self.model_dump(exclude_unset=True)
        for name in (
            "reconnect",
            "motion",
            "ignore",
            "privacy",
            "realtime",
            "loop",
            "enabled",
            "transport",
        ):
            if name in sent and sent[name] is None:
                del sent[name]
                if name in ("reconnect", "motion", "privacy"):
                    sent[name] = {}
                if name == "ignore":
                    sent[name] = []
        return sent

"""Pydantic models for cameras, detection, tracking and the runtime. Unknown keys are errors."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.geometry import LineConfig, ZoneConfig, check_unique_names
from config.motion import MotionConfig
from config.sources import SourcesConfig
from detectors import DEFAULT_MODEL, Backend, DetectorOptions, Precision
from detectors.options import DEFAULT_CALIBRATION_FRAMES
from tracking import DEFAULT_TRACKER, TrackerName, TrackerOptions

CAMERA_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DetectorConfig(_Strict):
    """Which model runs and how (see ``detectors.DetectorOptions``)."""

    model: str = Field(
        DEFAULT_MODEL,
        description="Weights path, ultralytics model name, or offline alias "
        "(person-yolov8s, coco-yolov3-tiny).",
    )
    imgsz: int | None = Field(None, ge=32, multiple_of=32, description="Inference size in pixels.")
    conf: float = Field(0.1, ge=0, le=1, description="Minimum detection confidence.")
    iou: float = Field(0.7, gt=0, le=1, description="NMS IoU threshold.")
    classes: tuple[str, ...] = Field((), description="Class names to keep; empty keeps all.")
    device: str | None = Field(None, description="Torch device, e.g. cpu or cuda:0.")
    backend: Backend = Field(
        "auto",
        description="torch, openvino or onnxruntime (models exported from the weights on first "
        "use and cached); auto: OpenVINO on the CPU, PyTorch on CUDA.",
    )
    precision: Precision = Field(
        "auto",
        description="fp32, bf16, fp16 (where the hardware runs them) or int8 (calibrated on the "
        "camera's own frames on first use); auto: int8 on OpenVINO, fp16 on CUDA, else fp32.",
    )
    calibration_frames: int = Field(
        DEFAULT_CALIBRATION_FRAMES,
        ge=1,
        le=10_000,
        description="Frames of the camera's own footage that calibrate an INT8 model.",
    )

    def options(self) -> DetectorOptions:
        return DetectorOptions(**self.model_dump())


class TrackerConfig(_Strict):
    """Tracker choice and its main knob (see ``tracking.TrackerOptions``)."""

    name: TrackerName = Field(DEFAULT_TRACKER, description="trackcast, bytetrack or botsort.")
    lost_timeout_s: float = Field(
        3.0, gt=0, description="How long a lost track can be re-found, in seconds."
    )
    smooth_boxes: bool = Field(
        True, description="trackcast only: report filtered boxes instead of raw detections."
    )

    def options(self, frame_rate: float) -> TrackerOptions:
        return TrackerOptions(
            name=self.name,
            frame_rate=frame_rate,
            lost_timeout_s=self.lost_timeout_s,
            smooth_boxes=self.smooth_boxes,
        )


class ReconnectConfig(_Strict):
    """How a live camera connects, notices trouble and retries."""

    backoff_initial_s: float = Field(0.5, gt=0, description="First retry delay.")
    backoff_max_s: float = Field(10.0, gt=0, description="Retry delay cap.")
    stable_after_s: float = Field(
        30.0, ge=0, description="Streaming this long resets the retry delay."
    )
    stall_timeout_s: float = Field(
        5.0, gt=0, description="No frame for this long forces a reconnect."
    )
    open_timeout_s: float = Field(10.0, gt=0, description="Limit on connecting and probing.")
    read_timeout_s: float = Field(5.0, gt=0, description="Limit on one blocked network read.")

    @model_validator(mode="after")
    def _cap_not_below_start(self) -> Self:
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be at least backoff_initial_s")
        return self


class CameraConfig(_Strict):
    """One camera (or a file standing in for one)."""

    id: str = Field(pattern=CAMERA_ID_PATTERN, description="Unique id: letters, digits, _ . -")
    url: str = Field(
        min_length=1,
        description="rtsp://, http(s)://, file path, /dev/videoN, or whip: (a WHIP publisher).",
    )
    enabled: bool = True
    transport: Literal["tcp", "udp"] = Field("tcp", description="RTSP transport.")
    fps_cap: float | None = Field(None, gt=0, description="Analyse at most this many fps.")
    realtime: bool = Field(True, description="Files: play at their own frame rate.")
    loop: bool = Field(False, description="Files: start again at the end.")
    detector: DetectorConfig | None = Field(None, description="Overrides the global detector.")
    tracker: TrackerConfig | None = Field(None, description="Overrides the global tracker.")
    reconnect: ReconnectConfig = Field(default_factory=ReconnectConfig)
    motion: MotionConfig = Field(
        default_factory=MotionConfig,
        description="Motion-gated detection: the detector runs on motion, for moving tracks "
        "and on periodic keyframes; other frames get the tracker's predicted boxes.",
    )
    lines: tuple[LineConfig, ...] = Field(
        (), description="Counting lines: crossings by direction and class (line.crossed events)."
    )
    zones: tuple[ZoneConfig, ...] = Field(
        (), description="Polygon zones: entries, exits, dwell, occupancy and loitering."
    )

    @model_validator(mode="after")
    def _unique_region_names(self) -> Self:
        check_unique_names(self.lines, self.zones)
        return self


class RuntimeConfig(_Strict):
    """The shared detector worker."""

    batch_size: int = Field(4, ge=1, le=64, description="Most frames per detector call.")
    batch_wait_ms: float = Field(
        20.0, ge=0, description="Longest wait for more frames before a partial batch runs."
    )


class StorageConfig(_Strict):
    """Where events are kept and for how long."""

    url: str | None = Field(
        None,
        description="SQLAlchemy database URL, e.g. postgresql+psycopg://user:pw@host/db; "
        "default: SQLite file trackcast.db in data_dir.",
    )
    retention_days: float = Field(30.0, gt=0, description="Events older than this are deleted.")
    batch_size: int = Field(500, ge=1, le=10_000, description="Most events per transaction.")
    flush_interval_ms: float = Field(
        200.0, gt=0, description="Longest an emitted event waits before it is written."
    )


class WebhookConfig(_Strict):
    """POST each event of the chosen types to ``url``, signed, retried, dead-lettered."""

    url: str = Field(pattern=r"^https?://", description="http(s) URL that receives events.")
    events: tuple[str, ...] = Field((), description="Event types to send; empty sends all.")
    secret: str | None = Field(
        None, min_length=1, description="Key of the X-Trackcast-Signature HMAC-SHA256 header."
    )
    max_attempts: int = Field(5, ge=1, le=100, description="Attempts before dead-lettering.")
    backoff_initial_s: float = Field(1.0, gt=0, description="Delay before the first retry.")
    backoff_max_s: float = Field(60.0, gt=0, description="Retry delay cap.")
    timeout_s: float = Field(5.0, gt=0, description="Limit on one delivery attempt.")


class MqttConfig(_Strict):
    """Publish every event to an MQTT broker as ``<topic_prefix>/<camera>/<event type>``."""

    host: str = Field(min_length=1, description="Broker host name or address.")
    port: int = Field(1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    topic_prefix: str = Field("trackcast", min_length=1, pattern=r"^[^#+]+$")
    qos: Literal[0, 1, 2] = 1
    client_id: str | None = Field(None, description="Default: trackcast-<random>.")


class TokenConfig(_Strict):
    """An API token: viewers read, admins also write."""

    token: str = Field(min_length=16, description="Sent as 'Authorization: Bearer <token>'.")
    role: Literal["viewer", "admin"] = "viewer"
    name: str | None = Field(None, description="Shown in logs instead of the token.")


class AuthConfig(_Strict):
    """Who may use the API. With no tokens and ``open`` false only TRACKCAST_ADMIN_TOKEN works."""

    open: bool = Field(False, description="Allow every request without a token.")
    tokens: tuple[TokenConfig, ...] = ()


class AppConfig(_Strict):
    """A whole trackcast deployment."""

    data_dir: str = Field(
        "trackcast-data", min_length=1, description="Database file and thumbnails live here."
    )
    detector: DetectorConfig = Field(default_factory=DetectorConfig)
    tracker: TrackerConfig = Field(default_factory=TrackerConfig)
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    webhooks: tuple[WebhookConfig, ...] = ()
    mqtt: MqttConfig | None = None
    auth: AuthConfig = Field(default_factory=AuthConfig)
    sources: SourcesConfig = Field(
        default_factory=SourcesConfig,
        description="What cameras and detector models may reach (files, private networks).",
    )
    cameras: tuple[CameraConfig, ...] = ()

    @model_validator(mode="after")
    def _unique_camera_ids(self) -> Self:
        seen: set[str] = set()
        for camera in self.cameras:
            if camera.id in seen:
                raise ValueError(f"camera id {camera.id!r} is used twice")
            seen.add(camera.id)
        return self

    def detector_for(self, camera: CameraConfig) -> DetectorConfig:
        return camera.detector or self.detector

    def tracker_for(self, camera: CameraConfig) -> TrackerConfig:
        return camera.tracker or self.tracker

"""Pydantic models for cameras, detection, tracking and the runtime. Unknown keys are errors."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from config.camera_url import check_camera_url
from config.clips import ClipsConfig
from config.cluster import ClusterConfig
from config.filters import ClassFilterConfig, ClassFilters, IgnoreMasks
from config.geometry import ClassNames, LineConfig, ZoneConfig, check_unique_names
from config.limits import (
    MAX_CAMERAS,
    MAX_NAME_LENGTH,
    MAX_PATH_LENGTH,
    MAX_REGIONS,
    MAX_SECONDS,
    MAX_SECRET_LENGTH,
    MAX_TOKENS,
    MAX_URL_LENGTH,
    MIN_SECONDS,
)
from config.logs import LoggingConfig
from config.motion import MotionConfig
from config.mqtt import ENV_NAME_PATTERN, HomeAssistantConfig, MqttTlsConfig, env_value
from config.privacy import PrivacyConfig
from config.recording import RecordingConfig
from config.sources import SourcesConfig
from config.webhook_secret import check_webhook_secret
from config.webrtc import WebrtcConfig
from detectors import DEFAULT_MODEL, Backend, DetectorOptions, Precision
from detectors.options import DEFAULT_CALIBRATION_FRAMES
from events import EventType
from tracking import DEFAULT_TRACKER, TrackerName, TrackerOptions

CAMERA_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _seconds(default: float, what: str, *, minimum: float = MIN_SECONDS) -> Any:
    """A duration field: at least ``minimum`` and at most an hour."""
    limits = f"{minimum:g} to {MAX_SECONDS:g} s" if minimum else f"at most {MAX_SECONDS:g} s"
    return Field(default, ge=minimum, le=MAX_SECONDS, description=f"{what} ({limits}).")


CameraUrl = Annotated[
    str,
    Field(min_length=1, max_length=MAX_URL_LENGTH),
    AfterValidator(check_camera_url),
]
"""A camera URL or path, parsed and scheme-checked when validated."""

FpsCap = Annotated[float, Field(ge=0.01, le=1000)]
"""An analysis rate cap: one frame in 100 s up to 1000 fps."""

Lines = Annotated[tuple[LineConfig, ...], Field(max_length=MAX_REGIONS)]
Zones = Annotated[tuple[ZoneConfig, ...], Field(max_length=MAX_REGIONS)]


class DetectorConfig(_Strict):
    """Which model runs and how (see ``detectors.DetectorOptions``)."""

    model: str = Field(
        DEFAULT_MODEL,
        min_length=1,
        max_length=MAX_PATH_LENGTH,
        description="Weights path, ultralytics model name, or offline alias "
        "(person-yolov8s, coco-yolov3-tiny).",
    )
    imgsz: int | None = Field(
        None,
        ge=32,
        le=1920,
        multiple_of=32,
        description="Inference size in pixels: a multiple of 32 from 32 to 1920.",
    )
    conf: float = Field(0.1, ge=0, le=1, description="Minimum detection confidence.")
    iou: float = Field(0.7, gt=0, le=1, description="NMS IoU threshold.")
    classes: ClassNames = Field(
        (), description="Class names to keep; empty keeps all (at most 1000, of 128 characters)."
    )
    device: str | None = Field(
        None, max_length=MAX_NAME_LENGTH, description="Torch device, e.g. cpu or cuda:0."
    )
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
    lost_timeout_s: float = _seconds(3.0, "How long a lost track can be re-found, in seconds")
    smooth_boxes: bool = Field(
        True, description="trackcast only: report filtered boxes instead of raw detections."
    )
    coast_s: float = _seconds(
        0.3,
        "trackcast only: how long a track that was missed (occluded, not detected) is still "
        "reported at its predicted box, 0 for never",
        minimum=0,
    )

    def options(self, frame_rate: float) -> TrackerOptions:
        return TrackerOptions(
            name=self.name,
            frame_rate=frame_rate,
            lost_timeout_s=self.lost_timeout_s,
            smooth_boxes=self.smooth_boxes,
            coast_s=self.coast_s,
        )


class ReconnectConfig(_Strict):
    """How a live camera connects, notices trouble and retries."""

    backoff_initial_s: float = _seconds(0.5, "First retry delay")
    backoff_max_s: float = _seconds(10.0, "Retry delay cap")
    stable_after_s: float = _seconds(30.0, "Streaming this long resets the retry delay", minimum=0)
    stall_timeout_s: float = _seconds(5.0, "No frame for this long forces a reconnect")
    open_timeout_s: float = _seconds(10.0, "Limit on connecting and probing")
    read_timeout_s: float = _seconds(5.0, "Limit on one blocked network read")
    probe_interval_s: float = _seconds(
        0.25,
        "While waiting to retry, check a network camera's server this often (TCP connect, RTSP "
        "OPTIONS) and reconnect as soon as it answers; 0 turns the checks off",
        minimum=0,
    )

    @model_validator(mode="after")
    def _cap_not_below_start(self) -> Self:
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be at least backoff_initial_s")
        return self


class CameraConfig(_Strict):
    """One camera (or a file standing in for one)."""

    id: str = Field(pattern=CAMERA_ID_PATTERN, description="Unique id: letters, digits, _ . -")
    url: CameraUrl = Field(
        description="rtsp://, http(s)://, file path, /dev/videoN, or whip: (a WHIP publisher); "
        "at most 2048 characters, no control characters, parsed when validated.",
    )
    enabled: bool = Field(True, description="false: kept, but not started.")
    transport: Literal["tcp", "udp"] = Field("tcp", description="RTSP transport.")
    fps_cap: FpsCap | None = Field(
        None, description="Analyse at most this many fps (0.01 to 1000)."
    )
    realtime: bool = Field(True, description="Files: play at their own frame rate.")
    loop: bool = Field(False, description="Files: start again at the end.")
    detector: DetectorConfig | None = Field(None, description="Overrides the global detector.")
    tracker: TrackerConfig | None = Field(None, description="Overrides the global tracker.")
    reconnect: ReconnectConfig = Field(
        default_factory=ReconnectConfig,
        description="Connecting, noticing trouble and retrying (network cameras and files).",
    )
    motion: MotionConfig = Field(
        default_factory=MotionConfig,
        description="Motion-gated detection: the detector runs on motion, for moving tracks "
        "and on periodic keyframes; other frames get the tracker's predicted boxes.",
    )
    lines: Lines = Field(
        (),
        description="Counting lines: crossings by direction and class (line.crossed events); "
        "at most 100.",
    )
    zones: Zones = Field(
        (),
        description="Polygon zones: entries, exits, dwell, occupancy and loitering; at most 100.",
    )
    filters: ClassFilters | None = Field(
        None,
        description="Per class name (as the model reports it): min_score, min_area and "
        "max_area a detection must meet to be tracked; null: the service's filters (top-level "
        "filters).",
    )
    ignore: IgnoreMasks = Field(
        (),
        description="Ignore masks: polygons in which detections (of all or some classes) are "
        "dropped before tracking; at most 100.",
    )
    privacy: PrivacyConfig = Field(
        default_factory=PrivacyConfig,
        description="Privacy masking of what the camera publishes and stores: static zones "
        "blacked out, chosen classes pixelated or blurred (off by default).",
    )
    clips: ClipsConfig = Field(
        default_factory=ClipsConfig,
        description="Event clips: a bounded ring of the camera's own encoded video, remuxed "
        "into an MP4 per event without re-encoding (or of its published frames, encoded: see "
        "clips.source).",
    )
    recording: RecordingConfig = Field(
        default_factory=RecordingConfig,
        description="Continuous recording: the camera's own encoded video in MP4 segments, "
        "with retention by age and by disk use (off by default).",
    )

    @model_validator(mode="after")
    def _unique_region_names(self) -> Self:
        check_unique_names(self.lines, self.zones)
        return self


class RuntimeConfig(_Strict):
    """The shared detector worker."""

    batch_size: int = Field(4, ge=1, le=64, description="Most frames per detector call.")
    batch_wait_ms: float = Field(
        20.0,
        ge=0,
        le=10_000,
        description="Longest wait for more frames before a partial batch runs (at most 10 s).",
    )


class StorageConfig(_Strict):
    """Where events are kept and for how long."""

    url: str | None = Field(
        None,
        max_length=MAX_URL_LENGTH,
        description="SQLAlchemy database URL, e.g. postgresql+psycopg://user:pw@host/db; "
        "default: SQLite file trackcast.db in data_dir.",
    )
    retention_days: float = Field(
        30.0,
        gt=0,
        le=36_500,
        description="Events older than this are deleted (at most 100 years).",
    )
    batch_size: int = Field(500, ge=1, le=10_000, description="Most events per transaction.")
    flush_interval_ms: float = Field(
        200.0,
        ge=1,
        le=60_000,
        description="Longest an emitted event waits before it is written (1 ms to 60 s).",
    )
    max_pending_events: int = Field(
        10_000,
        ge=100,
        le=1_000_000,
        description="Most events held in memory while the database cannot write (a full disk, "
        "a server that is down); they are written in order once it works again, and newer "
        "events are dropped (counted) past this. Each holds its thumbnail's JPEG (a few KB, at "
        "most about 30 KB): 10,000 take at most about 300 MB and last ten minutes at 16 events "
        "a second.",
    )


WebhookSecret = Annotated[
    str,
    Field(min_length=1, max_length=MAX_SECRET_LENGTH),
    AfterValidator(check_webhook_secret),
]


class WebhookConfig(_Strict):
    """POST each event of the chosen types to ``url``, signed, retried, dead-lettered."""

    url: str = Field(
        pattern=r"^https?://",
        max_length=MAX_URL_LENGTH,
        description="http(s) URL that receives events (at most 2048 characters).",
    )
    events: tuple[EventType, ...] = Field(
        (),
        max_length=len(EventType),
        description=f"Event types to send ({', '.join(EventType)}); empty sends all.",
    )
    secret: WebhookSecret | None = Field(
        None,
        description="Signs each request with the Standard Webhooks headers (webhook-id, "
        "webhook-timestamp, webhook-signature) and the deprecated X-Trackcast-Signature. A "
        "whsec_<base64> secret is a Standard Webhooks one; any other string is used as its "
        "UTF-8 bytes (the receiver's secret is then whsec_ + base64 of them).",
    )
    max_attempts: int = Field(5, ge=1, le=100, description="Attempts before dead-lettering.")
    backoff_initial_s: float = _seconds(1.0, "Delay before the first retry")
    backoff_max_s: float = _seconds(60.0, "Retry delay cap")
    timeout_s: float = _seconds(5.0, "Limit on one delivery attempt")


class MqttConfig(_Strict):
    """Publish every event to an MQTT broker as ``<topic_prefix>/<camera>/<event type>``, and
    ``online``/``offline`` (retained, the last will) on ``<topic_prefix>/status``."""

    host: str = Field(min_length=1, max_length=253, description="Broker host name or address.")
    port: int = Field(
        1883, ge=1, le=65535, description="Broker port: usually 1883, or 8883 with TLS."
    )
    username: str | None = Field(None, max_length=MAX_SECRET_LENGTH, description="Broker user.")
    password: str | None = Field(
        None, max_length=MAX_SECRET_LENGTH, description="Broker password, e.g. ${MQTT_PASSWORD}."
    )
    username_env: str | None = Field(
        None, pattern=ENV_NAME_PATTERN, description="Read the username from this variable."
    )
    password_env: str | None = Field(
        None, pattern=ENV_NAME_PATTERN, description="Read the password from this variable."
    )
    tls: MqttTlsConfig | None = Field(None, description="Connect with TLS (off when absent).")
    topic_prefix: str = Field(
        "trackcast",
        min_length=1,
        max_length=256,
        pattern=r"^[^#+]+$",
        description="First level of every topic (no # or +).",
    )
    qos: Literal[0, 1, 2] = Field(1, description="MQTT quality of service of each publish.")
    client_id: str | None = Field(
        None, max_length=MAX_NAME_LENGTH, description="Default: trackcast-<random>."
    )
    home_assistant: HomeAssistantConfig | None = Field(
        None, description="Publish Home Assistant MQTT discovery (off when absent)."
    )

    @model_validator(mode="after")
    def _one_source_per_credential(self) -> Self:
        if self.username is not None and self.username_env is not None:
            raise ValueError("give username or username_env, not both")
        if self.password is not None and self.password_env is not None:
            raise ValueError("give password or password_env, not both")
        return self

    def credentials(self) -> tuple[str | None, str | None]:
        """Username and password, read from the environment where configured so; ValueError
        when a named variable is not set."""
        username = self.username or env_value(self.username_env, "mqtt.username_env")
        password = self.password or env_value(self.password_env, "mqtt.password_env")
        return username, password


class TokenConfig(_Strict):
    """An API token: viewers read, admins also write."""

    token: str = Field(
        min_length=16,
        max_length=MAX_SECRET_LENGTH,
        description="Sent as 'Authorization: Bearer <token>'; 16 to 1024 characters.",
    )
    role: Literal["viewer", "admin"] = Field(
        "viewer", description="viewer: reads only; admin: also creates, changes and deletes."
    )
    name: str | None = Field(
        None, max_length=MAX_NAME_LENGTH, description="Shown in logs instead of the token."
    )


_HOST = r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?$"
_ORIGIN = r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?$"


class AuthConfig(_Strict):
    """Who may use the API. With no tokens and ``open`` false only TRACKCAST_ADMIN_TOKEN works."""

    open: bool = Field(
        False,
        description="Allow every request without a token, for local use: only requests for "
        "localhost, 127.0.0.1, [::1] or a name in hosts, from pages of the API's own origin or "
        "one in origins.",
    )
    tokens: tuple[TokenConfig, ...] = Field(
        (), max_length=MAX_TOKENS, description="API tokens and their roles (at most 1000)."
    )
    hosts: tuple[Annotated[str, Field(min_length=1, max_length=255, pattern=_HOST)], ...] = Field(
        (),
        max_length=64,
        description="Open mode: host names (Host header, any port) besides the loopback ones "
        "that may reach the API, e.g. a machine's LAN name.",
    )
    origins: tuple[Annotated[str, Field(min_length=1, max_length=300, pattern=_ORIGIN)], ...] = (
        Field(
            (),
            max_length=64,
            description="Open mode: browser origins besides the API's own whose pages may call it, "
            "e.g. http://dashboard.local:3000.",
        )
    )


class AppConfig(_Strict):
    """A whole trackcast deployment."""

    data_dir: str = Field(
        "trackcast-data",
        min_length=1,
        max_length=MAX_PATH_LENGTH,
        description="Database file and thumbnails live here.",
    )
    detector: DetectorConfig = Field(default_factory=DetectorConfig)
    tracker: TrackerConfig = Field(default_factory=TrackerConfig)
    filters: ClassFilters = Field(
        default_factory=dict,
        description="Per class name: min_score, min_area and max_area (fractions of the frame) "
        "a detection must meet to be tracked, for cameras that set no filters of their own.",
    )
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    webhooks: tuple[WebhookConfig, ...] = Field(
        (), max_length=MAX_TOKENS, description="Webhooks that receive events (at most 1000)."
    )
    mqtt: MqttConfig | None = None
    auth: AuthConfig = Field(default_factory=AuthConfig)
    webrtc: WebrtcConfig = Field(default_factory=WebrtcConfig)
    logging: LoggingConfig = Field(
        default_factory=LoggingConfig, description="Log format (text or JSON) and level."
    )
    sources: SourcesConfig = Field(
        default_factory=SourcesConfig,
        description="What cameras and detector models may reach (files, private networks).",
    )
    cameras: tuple[CameraConfig, ...] = Field(
        (), max_length=MAX_CAMERAS, description="The cameras (at most 1000)."
    )
    cluster: ClusterConfig = Field(
        default_factory=ClusterConfig,
        description="Cluster mode: the cameras run on the nodes of a Ray cluster.",
    )

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

    def filters_for(self, camera: CameraConfig) -> dict[str, ClassFilterConfig]:
        return self.filters if camera.filters is None else camera.filters

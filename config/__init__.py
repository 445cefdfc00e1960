"""The one configuration schema: YAML files and the API both validate against these models."""

from config.errors import ConfigError
from config.geometry import LineConfig, ZoneConfig
from config.loader import load_config, parse_config
from config.models import (
    AppConfig,
    AuthConfig,
    CameraConfig,
    DetectorConfig,
    MqttConfig,
    ReconnectConfig,
    RuntimeConfig,
    StorageConfig,
    TokenConfig,
    TrackerConfig,
    WebhookConfig,
)
from config.motion import MotionConfig
from config.sources import SourcesConfig

__all__ = [
    "AppConfig",
    "AuthConfig",
    "CameraConfig",
    "ConfigError",
    "DetectorConfig",
    "LineConfig",
    "MotionConfig",
    "MqttConfig",
    "ReconnectConfig",
    "RuntimeConfig",
    "SourcesConfig",
    "StorageConfig",
    "TokenConfig",
    "TrackerConfig",
    "WebhookConfig",
    "ZoneConfig",
    "load_config",
    "parse_config",
]

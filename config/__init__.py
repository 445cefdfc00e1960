"""The one configuration schema: YAML files and the API both validate against these models."""

from config.errors import ConfigError
from config.loader import load_config, parse_config
from config.models import (
    AppConfig,
    CameraConfig,
    DetectorConfig,
    ReconnectConfig,
    RuntimeConfig,
    TrackerConfig,
)

__all__ = [
    "AppConfig",
    "CameraConfig",
    "ConfigError",
    "DetectorConfig",
    "ReconnectConfig",
    "RuntimeConfig",
    "TrackerConfig",
    "load_config",
    "parse_config",
]

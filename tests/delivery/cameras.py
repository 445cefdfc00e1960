"""Cameras for the MQTT state and Home Assistant tests: settings with a line and a zone, and a
camera source whose cameras and states a test changes."""

from __future__ import annotations

import threading

from config.models import CameraConfig, MqttConfig
from delivery.homeassistant import CameraSnapshot


def gate_camera(camera_id: str = "gate") -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "id": camera_id,
            "url": "rtsp://127.0.0.1:8554/gate",
            "lines": [{"name": "door", "points": [[0, 100], [200, 100]]}],
            "zones": [{"name": "lobby", "polygon": [[0, 0], [100, 0], [100, 100]]}],
        }
    )


def home_assistant_config(port: int, **options: object) -> MqttConfig:
    return MqttConfig.model_validate(
        {"host": "127.0.0.1", "port": port, "home_assistant": {}, **options}
    )


class StaticCameras:
    """A :class:`delivery.homeassistant.CameraSource` holding what the test set."""

    def __init__(self, snapshots: list[CameraSnapshot]) -> None:
        self._lock = threading.Lock()
        self._snapshots = list(snapshots)

    def set(self, snapshots: list[CameraSnapshot]) -> None:
        with self._lock:
            self._snapshots = list(snapshots)

    def snapshot(self) -> list[CameraSnapshot]:
        with self._lock:
            return list(self._snapshots)

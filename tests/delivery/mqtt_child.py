"""A trackcast MQTT publisher in its own process, for tests that kill it without a DISCONNECT:
``python -m tests.delivery.mqtt_child PORT DATABASE``. It runs until killed."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from delivery.homeassistant import CameraSnapshot
from delivery.keys import mqtt_subscription
from delivery.mqtt import MqttPublisher
from tests.delivery.cameras import StaticCameras, gate_camera, home_assistant_config
from tests.delivery.database import Database


def main(port: int, database_path: Path) -> None:
    config = home_assistant_config(port)
    database = Database(database_path)
    subscription = mqtt_subscription(config)
    database.subscribe(subscription)
    publisher = MqttPublisher(config, database.outbox, subscription)
    publisher.watch_cameras(StaticCameras([CameraSnapshot(gate_camera(), None)]))
    publisher.start()
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))

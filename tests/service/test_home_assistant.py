"""The whole service with Home Assistant discovery on a real mosquitto broker: a file camera
whose moving square crosses a line and enters a zone; the entities HA discovers show what the
service stored, and the camera's state."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jinja2

from config import AppConfig
from events import LINE_CROSSED, ZONE_ENTERED, ZONE_EXITED
from service import build_service
from storage import EventQuery
from tests.blob_detector import BrightBlobDetector
from tests.delivery.broker import MosquittoBroker, Subscriber
from tests.delivery.homeassistant_schema import DISCOVERY_TOPIC, validate_discovery
from tests.waiting import wait_until

ENTITIES = {"state", "streaming", "line_middle_in", "line_middle_out", "zone_right_occupancy"}


def test_discovered_entities_show_what_the_service_counted(
    square_clip: Path, tmp_path: Path
) -> None:
    broker = MosquittoBroker(tmp_path)
    broker.start()
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "tracker": {"lost_timeout_s": 0.3},
            "storage": {"flush_interval_ms": 50},
            "mqtt": {"host": "127.0.0.1", "port": broker.port, "home_assistant": {}},
            "sources": {"media_roots": [str(square_clip.parent)]},
            "cameras": [
                {
                    "id": "sq",
                    "url": str(square_clip),
                    "lines": [{"name": "middle", "points": [[100, 0], [100, 240]]}],
                    "zones": [
                        {"name": "right", "polygon": [[120, 0], [320, 0], [320, 240], [120, 240]]}
                    ],
                }
            ],
        }
    )
    try:
        with Subscriber(broker.port, "#") as subscriber:
            service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
            service.start()
            try:

                def configs() -> dict[str, bytes]:
                    return {
                        m.topic.split("/")[3]: m.payload
                        for m in subscriber.messages()
                        if DISCOVERY_TOPIC.match(m.topic)
                    }

                wait_until(lambda: set(configs()) == ENTITIES, timeout_s=30)
                entities = {
                    name: validate_discovery(f"homeassistant/sensor/x/{name}/config", payload)
                    if name != "streaming"
                    else validate_discovery(f"homeassistant/binary_sensor/x/{name}/config", payload)
                    for name, payload in configs().items()
                }

                def stored() -> Counter[str]:
                    events = service.store.query(EventQuery(limit=10_000))
                    counts: Counter[str] = Counter()
                    for e in (s.event for s in events):
                        if e.type == LINE_CROSSED:
                            counts[f"line_middle_{e.data['direction']}"] += 1
                        elif e.type in (ZONE_ENTERED, ZONE_EXITED):
                            counts["zone_right_occupancy"] += 1 if e.type == ZONE_ENTERED else -1
                    return counts

                def shown() -> dict[str, str]:
                    state = subscriber.last("trackcast/sq/state")
                    if state is None:
                        return {}
                    value_json = json.loads(state.payload)
                    return {
                        name: jinja2.Template(entity.value_template or "").render(
                            value_json=value_json
                        )
                        for name, entity in entities.items()
                    }

                def agrees() -> bool:
                    counts = stored()
                    values = shown()
                    return (
                        sum(counts[k] for k in ("line_middle_in", "line_middle_out")) >= 1
                        and values.get("state") == "stopped"  # the file ended
                        and all(
                            values.get(name) == str(counts[name])
                            for name in ENTITIES - {"state", "streaming"}
                        )
                    )

                wait_until(agrees, timeout_s=60, step_s=0.1)
                assert shown()["streaming"] == "OFF"
                streamed = [
                    json.loads(m.payload)["state"]
                    for m in subscriber.messages()
                    if m.topic == "trackcast/sq/state"
                ]
                assert "streaming" in streamed
            finally:
                assert service.stop()
            wait_until(lambda: subscriber.last("trackcast/status") is not None, timeout_s=5)
            wait_until(
                lambda: getattr(subscriber.last("trackcast/status"), "payload", b"") == b"offline",
                timeout_s=10,
            )
    finally:
        broker.stop()

"""The service's events reach a real webhook receiver (signed, retried, exactly once by key) and
a real mosquitto broker; a webhook that never succeeds ends in the API's dead letters."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import standardwebhooks

from api.app import create_app
from config import AppConfig
from delivery.signing import verify
from delivery.standard_webhooks import receiver_secret
from service import build_service
from storage import EventQuery
from tests.blob_detector import BrightBlobDetector
from tests.delivery.broker import Message, MosquittoBroker, Subscriber
from tests.delivery.receiver import Reply, WebhookReceiver
from tests.servers.api_server import ApiServer
from tests.waiting import wait_until

SECRET = "webhook-secret"


def _flaky(key: str, seen: int) -> Reply:
    return Reply(status=503) if seen == 1 else Reply()


def _broken(key: str, seen: int) -> Reply:
    return Reply(status=500)


def _events(subscriber: Subscriber) -> list[Message]:
    """Messages on event topics (not the availability topic nor the camera's state)."""
    return [m for m in subscriber.messages() if m.topic.split("/")[-1] not in ("status", "state")]


def test_events_reach_webhooks_and_mqtt(square_clip: Path, tmp_path: Path) -> None:
    broker = MosquittoBroker(tmp_path)
    broker.start()
    with (
        WebhookReceiver(_flaky) as receiver,
        WebhookReceiver(_broken) as broken,
        Subscriber(broker.port, "trackcast/#") as subscriber,
    ):
        config = AppConfig.model_validate(
            {
                "data_dir": str(tmp_path / "data"),
                "auth": {"open": True},
                "tracker": {"lost_timeout_s": 0.3},
                "storage": {"flush_interval_ms": 50},
                "webhooks": [
                    {"url": receiver.url(), "secret": SECRET, "backoff_initial_s": 0.05},
                    {
                        "url": broken.url(),
                        "events": ["track.ended"],
                        "max_attempts": 2,
                        "backoff_initial_s": 0.05,
                    },
                ],
                "mqtt": {"host": "127.0.0.1", "port": broker.port},
                "sources": {"media_roots": [str(square_clip.parent)]},
                "cameras": [{"id": "sq", "url": str(square_clip), "loop": True}],
            }
        )
        service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
        with ApiServer(create_app(service)) as api:
            wait_until(lambda: len(receiver.accepted()) >= 4, timeout_s=40, step_s=0.1)
            wait_until(
                lambda: bool(httpx.get(f"{api.url}/api/deadletters", timeout=10).json()),
                timeout_s=20,
                step_s=0.1,
            )
            letters = httpx.get(f"{api.url}/api/deadletters", timeout=10).json()
        # stopped: every stored event was handed to MQTT, which waited for the broker's acks
        stored = {e.event.id: e for e in service.store.query(EventQuery(limit=10_000))}
        wait_until(lambda: len(_events(subscriber)) >= len(stored), timeout_s=10)

    broker.stop()
    accepted = [json.loads(r.body) for r in receiver.accepted()]
    assert len({e["id"] for e in accepted}) == len(accepted)  # exactly once per event
    assert {e["id"] for e in accepted} <= set(stored)
    for request in receiver.accepted():
        assert verify(SECRET, request.headers["x-trackcast-signature"], request.body)
        standard = standardwebhooks.Webhook(receiver_secret(SECRET))
        assert standard.verify(request.body, request.headers) == json.loads(request.body)
        assert request.headers["x-trackcast-delivery-attempt"] == "2"
    assert letters[0]["attempts"] == 2 and letters[0]["payload"]["type"] == "track.ended"
    assert letters[0]["event_id"] in stored
    by_id = {json.loads(m.payload)["id"]: m.topic for m in _events(subscriber)}
    assert set(by_id) == set(stored)
    assert all(topic == f"trackcast/sq/{stored[i].event.type}" for i, topic in by_id.items())

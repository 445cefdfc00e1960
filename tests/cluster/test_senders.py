"""Webhooks and MQTT in cluster mode: the node agents queue each event in the outbox as they
store it, and the controller alone sends them, so that a receiver gets every stored event of a
camera exactly once, signed as in single-process mode, however many API replicas run; a dead
letter put back through a replica goes out again; MQTT publishes the camera's state (and line
counts) from the controller."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import ray

from cluster import CONTROLLER_NAME, NAMESPACE
from cluster.client import stop_controller
from delivery.signing import verify
from tests.delivery.broker import Message, MosquittoBroker, Subscriber
from tests.delivery.conftest import broker as broker  # a running Mosquitto
from tests.delivery.receiver import Reply, WebhookReceiver
from tests.media import write_moving_square_clip
from tests.servers.cluster_api import api_replicas, wait_streaming
from tests.servers.ray_cluster import local_ray_cluster
from tests.servers.trackcast_server import TrackcastServer
from tests.storage.conftest import PostgresServer
from tests.waiting import scaled, wait_until

SECRET = "whsec-cluster-test"


class FailFirst:
    """Reply 500 to the very first request (its event is dead-lettered: one attempt), then 200."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failed: str | None = None

    def __call__(self, key: str, seen: int) -> Reply:
        with self._lock:
            if self.failed is None:
                self.failed = key
                return Reply(500)
        return Reply()


def _stored(replica: TrackcastServer, camera_id: str) -> dict[str, str]:
    """The camera's stored events: id -> type."""
    response = replica.request("GET", "/api/events", params={"camera": camera_id, "limit": 1000})
    response.raise_for_status()
    return {event["id"]: event["type"] for event in response.json()["events"]}


def _all_tracks_ended(replica: TrackcastServer, camera_id: str) -> bool:
    types = list(_stored(replica, camera_id).values())
    return 0 < types.count("track.ended") == types.count("track.started")


def _states(messages: list[Message]) -> list[dict[str, object]]:
    """The camera's state messages (not the empty one that clears the topic at its delete)."""
    return [json.loads(m.payload) for m in messages if m.topic == STATE and m.payload]


STATE = "trackcast/square/state"


def test_every_stored_event_reaches_the_webhook_and_mqtt_once(
    postgres: PostgresServer, broker: MosquittoBroker, tmp_path: Path
) -> None:
    clip = tmp_path / "square.mp4"
    write_moving_square_clip(clip, frames=30)
    middle = {"name": "middle", "points": [[0.5, 0.0], [0.5, 1.0]], "coordinates": "normalized"}
    camera = {"id": "square", "url": str(clip), "loop": True, "realtime": True, "lines": [middle]}
    policy = FailFirst()
    with (
        WebhookReceiver(policy) as receiver,
        Subscriber(broker.port, "trackcast/#") as subscriber,
    ):
        hook = (
            f"webhooks: [{{url: '{receiver.url()}', secret: {SECRET}, max_attempts: 1, "
            "backoff_initial_s: 0.05}]\n"
            f"mqtt: {{host: 127.0.0.1, port: {broker.port}}}\n"
        )
        with (
            local_ray_cluster(workers=1, cameras_per_worker=2) as cluster,
            api_replicas(postgres, tmp_path, cluster.address, 2, hook) as (one, two),
        ):
            assert one.request("POST", "/api/cameras", json=camera).status_code == 201
            wait_streaming(two, ["square"], 180)

            # a first track ends (the square jumps back at each loop), then the camera stops
            wait_until(lambda: "track.ended" in _stored(two, "square").values(), 180, step_s=0.5)
            assert two.request("DELETE", "/api/cameras/square").status_code == 204
            wait_until(lambda: _all_tracks_ended(one, "square"), 60, step_s=0.5)
            wait_until(lambda: len(two.request("GET", "/api/deadletters").json()) == 1, 120)
            [letter] = two.request("GET", "/api/deadletters").json()
            assert letter["event_id"] == policy.failed
            retried = two.request("POST", f"/api/deadletters/{letter['id']}/retry")
            assert retried.status_code == 200, retried.text

            def delivered() -> bool:
                accepted = sorted(r.key for r in receiver.accepted())
                return accepted == sorted(_stored(one, "square"))

            wait_until(delivered, 120, step_s=0.5)
            stored = _stored(one, "square")
            assert one.request("GET", "/api/deadletters").json() == []

            def published() -> list[str]:
                topics = {f"trackcast/square/{kind}" for kind in stored.values()}
                messages = [m for m in subscriber.messages() if m.topic in topics]
                return [json.loads(m.payload)["id"] for m in messages]

            wait_until(lambda: sorted(published()) == sorted(stored), 60, step_s=0.5)
            assert Counter(published()).most_common(1)[0][1] == 1  # none twice
            states = _states(subscriber.messages())
            assert any(state["state"] == "streaming" for state in states)
            crossings = list(stored.values()).count("line.crossed")
            assert crossings and max(_line_count(state) for state in states) >= 1

            ray.init(address=cluster.address, namespace=NAMESPACE)
            try:  # the controller's stop ends its senders too, in its time
                handle = ray.get_actor(CONTROLLER_NAME, namespace=NAMESPACE)
                assert stop_controller(handle, timeout_s=scaled(20)) is True
            finally:
                ray.shutdown()

    requests = receiver.received()
    accepted = [r for r in requests if r.accepted]
    assert sorted(r.key for r in accepted) == sorted(stored)  # each stored event, once
    assert len(requests) == len(stored) + 1  # and nothing else but the failed first attempt
    assert {"track.started", "line.crossed", "track.ended"} <= {
        r.headers["x-trackcast-event"] for r in accepted
    }
    for request in accepted:
        assert verify(SECRET, request.headers["x-trackcast-signature"], request.body)


def _line_count(state: dict[str, object]) -> int:
    """Crossings counted in a state message, both directions."""
    lines = state.get("lines")
    assert isinstance(lines, dict)
    return sum(sum(counts.values()) for counts in lines.values())

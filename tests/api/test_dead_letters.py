"""/api/deadletters: list, retry one, retry all and delete, on the running service with a real
webhook receiver; a retried event goes back to the destination it came from, in order."""

from __future__ import annotations

import dataclasses
import json

from fastapi.testclient import TestClient

from api.app import create_app
from events import Event
from storage import DeadLetter
from tests.api.conftest import ServiceFactory
from tests.delivery.receiver import Reply, WebhookReceiver
from tests.waiting import wait_until

GONE = "webhook:0123456789abcdef"


def _events(count: int) -> list[Event]:
    return [
        Event(type="line.crossed", camera_id="door", time=1_700_000_000.0 + n, track_id=n)
        for n in range(count)
    ]


def test_dead_letters_are_retried_to_their_destination(make_service: ServiceFactory) -> None:
    with WebhookReceiver(lambda key, seen: Reply(422)) as receiver:
        webhook = {"url": receiver.url(), "max_attempts": 2, "backoff_initial_s": 0.05}
        service = make_service(webhooks=[webhook], storage={"flush_interval_ms": 50})
        [delivery] = service.deliveries
        with TestClient(create_app(service)) as client:
            events = _events(3)
            for event in events:
                service.writer.emit(event)
            wait_until(lambda: len(client.get("/api/deadletters").json()) == 3, timeout_s=20)
            letters = client.get("/api/deadletters").json()
            assert [x["event_id"] for x in letters] == [e.id for e in events]
            assert {x["subscription"] for x in letters} == {delivery.subscription.key}
            receiver.policy = lambda key, seen: Reply()

            retried = client.post(f"/api/deadletters/{letters[1]['id']}/retry")
            assert retried.status_code == 200, retried.text
            assert retried.json() == {
                "id": letters[1]["id"],
                "event_id": events[1].id,
                "subscription": delivery.subscription.key,
                "target": receiver.url(),
            }
            wait_until(lambda: len(receiver.accepted()) == 1, timeout_s=10)
            [first] = receiver.accepted()
            assert first.key == events[1].id
            assert first.headers["x-trackcast-delivery-attempt"] == "1"
            assert json.loads(first.body) == letters[1]["payload"]
            assert client.post(f"/api/deadletters/{letters[1]['id']}/retry").status_code == 404

            everything = client.post("/api/deadletters/retry")
            assert everything.json() == {"queued": 2, "kept": 0}
            wait_until(lambda: len(receiver.accepted()) == 3, timeout_s=10)
            assert [r.key for r in receiver.accepted()[1:]] == [events[0].id, events[2].id]
            assert client.get("/api/deadletters").json() == []
            wait_until(lambda: delivery.stats().queue_depth == 0, timeout_s=5)


def test_a_letter_of_a_destination_no_longer_configured_is_kept(
    make_service: ServiceFactory,
) -> None:
    with WebhookReceiver() as receiver:
        service = make_service(webhooks=[{"url": receiver.url()}])
        with TestClient(create_app(service)) as client:
            letter = DeadLetter(None, "e1", 1, "http://gone.example/hook", 5, "HTTP 500", 1.0, {})
            gone = service.store.add_dead_letter(dataclasses.replace(letter, subscription=GONE))
            old = service.store.add_dead_letter(letter)  # from before the outbox: no key
            for letter_id in (gone, old):
                refused = client.post(f"/api/deadletters/{letter_id}/retry")
                assert refused.status_code == 409
                assert "http://gone.example/hook" in refused.json()["detail"]
            assert client.post("/api/deadletters/retry").json() == {"queued": 0, "kept": 2}
            filtered = client.post("/api/deadletters/retry", params={"target": receiver.url()})
            assert filtered.json() == {"queued": 0, "kept": 0}
            assert len(client.get("/api/deadletters").json()) == 2
            assert client.post("/api/deadletters/99999/retry").status_code == 404
            assert receiver.received() == []


def test_a_letter_from_before_the_outbox_is_retried_by_its_target(
    make_service: ServiceFactory,
) -> None:
    with WebhookReceiver() as receiver:
        service = make_service(webhooks=[{"url": receiver.url()}])
        with TestClient(create_app(service)) as client:
            payload = {"id": "e1", "type": "track.ended", "camera_id": "c", "seq": 1}
            letter = DeadLetter(None, "e1", 1, receiver.url(), 5, "HTTP 500", 1.0, payload)
            letter_id = service.store.add_dead_letter(letter)
            assert client.post(f"/api/deadletters/{letter_id}/retry").status_code == 200
            wait_until(lambda: len(receiver.accepted()) == 1, timeout_s=10)
            assert json.loads(receiver.accepted()[0].body) == payload

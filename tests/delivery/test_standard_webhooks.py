"""Standard Webhooks signatures, checked by the ``standardwebhooks`` library's own verifier on
requests a real WebhookSender made to a real HTTP receiver."""

from __future__ import annotations

import base64
import doctest
import json
import os
import threading
from collections.abc import Iterator

import pytest
import standardwebhooks
from pydantic import ValidationError

import delivery.standard_webhooks
from config.models import WebhookConfig
from delivery.keys import webhook_subscriptions
from delivery.signing import verify
from delivery.standard_webhooks import receiver_secret
from delivery.webhooks import WebhookSender
from events import Event
from tests.delivery.database import Database
from tests.delivery.receiver import Received, Reply, WebhookReceiver
from tests.waiting import wait_until

STANDARD_SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
LEGACY_SECRET = "legacy-delivery-secret"


@pytest.fixture
def senders() -> Iterator[list[WebhookSender]]:
    created: list[WebhookSender] = []
    yield created
    for sender in created:
        assert sender.stop(5)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("trackcast-webhook")]


def _deliver(
    senders: list[WebhookSender], database: Database, receiver: WebhookReceiver, secret: str
) -> list[Received]:
    """Two events through a sender (the first attempt of the first one fails: a retry is
    signed again); the requests the receiver accepted."""
    receiver.policy = lambda key, seen: Reply(500) if seen == 1 and key == first.id else Reply()
    config = WebhookConfig(url=receiver.url(), secret=secret, backoff_initial_s=0.05)
    [subscription] = webhook_subscriptions([config])
    database.subscribe(subscription)
    sender = WebhookSender(config, database.outbox, subscription)
    senders.append(sender)
    sender.start()
    events = [
        Event(type="line.crossed", camera_id="gate", time=1_700_000_000.0, region="door"),
        Event(type="zone.entered", camera_id="gate", time=1_700_000_001.0, region="lobby"),
    ]
    first = events[0]
    sender.deliver(database.add(events))
    wait_until(lambda: sender.delivered == 2, timeout_s=30)
    accepted = receiver.accepted()
    assert [request.key for request in accepted] == [e.id for e in events]
    return accepted


@pytest.mark.parametrize("secret", [STANDARD_SECRET, LEGACY_SECRET])
def test_the_standardwebhooks_verifier_accepts_every_delivery(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender], secret: str
) -> None:
    accepted = _deliver(senders, database, receiver, secret)
    verifier = standardwebhooks.Webhook(receiver_secret(secret))
    for request in accepted:
        assert verifier.verify(request.body, request.headers) == json.loads(request.body)
        assert request.headers["webhook-id"] == request.key  # the event id, stable on retries
        # the deprecated header is still there, keyed with the secret as before
        assert verify(secret, request.headers["x-trackcast-signature"], request.body)
    retried = [r for r in receiver.received() if r.key == accepted[0].key]
    assert len(retried) == 2  # the failed attempt and the retry
    assert {r.headers["webhook-id"] for r in retried} == {accepted[0].key}


def test_a_tampered_delivery_fails_the_standardwebhooks_verifier(
    receiver: WebhookReceiver, database: Database, senders: list[WebhookSender]
) -> None:
    [request, _] = _deliver(senders, database, receiver, STANDARD_SECRET)
    verifier = standardwebhooks.Webhook(STANDARD_SECRET)
    tampered = request.body.replace(b'"gate"', b'"yard"')
    assert tampered != request.body
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        verifier.verify(tampered, request.headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        verifier.verify(request.body, {**request.headers, "webhook-id": "another-id"})
    other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(other).verify(request.body, request.headers)


def test_a_whsec_secret_must_be_base64() -> None:
    with pytest.raises(ValidationError, match="base64"):
        WebhookConfig(url="http://127.0.0.1/hook", secret="whsec_not base64!")
    with pytest.raises(ValidationError, match="empty"):
        WebhookConfig(url="http://127.0.0.1/hook", secret="whsec_")
    WebhookConfig(url="http://127.0.0.1/hook", secret="whsec-legacy is any string")


def test_the_documented_examples_hold() -> None:
    result = doctest.testmod(delivery.standard_webhooks)
    assert result.attempted > 0
    assert result.failed == 0

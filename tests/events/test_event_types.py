"""Event types are one enum: config files that filter webhooks by type are checked against it."""

from __future__ import annotations

import pytest

from config import ConfigError, parse_config
from delivery.keys import webhook_subscriptions
from events import EVENT_TYPES, EventType

WEBHOOK = "webhooks:\n  - url: http://127.0.0.1:9/hook\n    events: [{types}]\n"


def test_the_enum_and_the_plain_values_agree() -> None:
    assert tuple(t.value for t in EventType) == EVENT_TYPES
    assert str(EventType.LINE_CROSSED) == "line.crossed"
    assert f"{EventType.ZONE_EXITED}" == "zone.exited"


def test_a_misspelled_webhook_event_type_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(WEBHOOK.format(types="track.started, line.crosed"), source="cams.yaml")
    message = str(caught.value)
    assert "webhooks.0.events.1" in message
    assert all(t.value in message for t in EventType), message


def test_a_webhook_gets_the_types_it_names_and_no_others() -> None:
    config = parse_config(WEBHOOK.format(types="line.crossed, zone.exited"), source="cams.yaml")
    [subscription] = webhook_subscriptions(config.webhooks)
    wanted = {t for t in EVENT_TYPES if subscription.wants(t)}
    assert wanted == {"line.crossed", "zone.exited"}

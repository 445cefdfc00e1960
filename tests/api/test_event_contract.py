"""The event contract through a real server: ``type`` is an enum (an unknown filter is a 422 that
lists the known types), every event the pipeline really emits validates against the OpenAPI
document's typed union for its type, and time filters take ISO-8601 as well as epoch seconds.

A looping file camera whose square crosses a line and enters, loiters in and leaves a zone every
loop produces every event type.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from websockets.sync.client import connect

from api.app import create_app
from config import AppConfig
from events import EventType
from service import build_service
from tests.api.live import read_sse
from tests.blob_detector import BrightBlobDetector
from tests.servers.api_server import ApiServer
from tests.sources import local_sources
from tests.waiting import wait_until

CAMERA = {
    "id": "sq",
    "loop": True,
    "lines": [
        {
            "name": "door",
            "points": [[0.4, 0.0], [0.4, 1.0]],
            "coordinates": "normalized",
            "anchor": "center",
        }
    ],
    "zones": [
        {
            "name": "right",
            "polygon": [[120, 0], [320, 0], [320, 240], [120, 240]],
            "anchor": "center",
            "loiter_after_s": 0.2,
        }
    ],
}


@pytest.fixture(scope="module")
def server(square_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path_factory.mktemp("data")),
            "auth": {"open": True},
            "tracker": {"lost_timeout_s": 0.3},
            "storage": {"flush_interval_ms": 50},
            "sources": local_sources(square_clip.parent).model_dump(),
            "cameras": [CAMERA | {"url": str(square_clip)}],
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        yield api


def component_validator(spec: dict[str, Any], name: str) -> jsonschema_rs.Validator:
    """A validator of ``#/components/schemas/<name>`` with the document's other schemas."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema_rs.Draft202012Validator(schema)


def _events(api: ApiServer, **params: Any) -> dict[str, Any]:
    answer = httpx.get(f"{api.url}/api/events", params=params, timeout=30)
    answer.raise_for_status()
    page: dict[str, Any] = answer.json()
    return page


def _types_seen(api: ApiServer) -> set[str]:
    return {e["type"] for e in _events(api, limit=1000)["events"]}


def test_an_unknown_type_filter_is_refused_with_the_known_types(server: ApiServer) -> None:
    answer = httpx.get(f"{server.url}/api/events", params={"type": "track.strated"}, timeout=30)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == ["query", "type", 0]
    assert all(t.value in error["msg"] for t in EventType), error


def test_every_emitted_event_validates_against_its_documented_type(server: ApiServer) -> None:
    spec = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    union = spec["components"]["schemas"]["EventPage"]["properties"]["events"]["items"]
    mapping = union["discriminator"]["mapping"]
    assert set(mapping) == {t.value for t in EventType}
    assert {p["$ref"] for p in union["oneOf"]} == set(mapping.values())
    wait_until(lambda: _types_seen(server) == {t.value for t in EventType}, 60, step_s=0.2)

    page = _events(server, limit=1000)
    component_validator(spec, "EventPage").validate(page)
    assert all(set(e["clip"]) == {"state", "url", "reason"} for e in page["events"])
    for event in page["events"]:
        name = mapping[event["type"]].rsplit("/", 1)[1]
        component_validator(spec, name).validate(event)
        for other in set(mapping.values()) - {mapping[event["type"]]}:
            assert not component_validator(spec, other.rsplit("/", 1)[1]).is_valid(event)
        moment = datetime.fromisoformat(event["time_iso"])
        assert moment.tzinfo is not None
        assert moment.timestamp() == pytest.approx(event["time"], abs=1e-3)


def _ids(api: ApiServer, last_seq: int, **params: Any) -> set[str]:
    """Ids of the events up to ``last_seq`` that match ``params``."""
    events = _events(api, limit=1000, **params)["events"]
    return {e["id"] for e in events if e["seq"] <= last_seq}


def test_time_filters_take_iso_8601_with_a_zone_or_epoch_seconds(server: ApiServer) -> None:
    wait_until(lambda: len(_events(server, limit=1000)["events"]) >= 6, 60, step_s=0.2)
    events = _events(server, limit=1000)["events"]
    last_seq = events[-1]["seq"]
    times = sorted({e["time"] for e in events})
    gaps = [(a, b) for a, b in itertools.pairwise(times) if b - a > 0.01]
    early, late = gaps[len(gaps) // 2]
    boundary = round((early + late) / 2, 3)  # exact in milliseconds, well between two events
    in_utc = datetime.fromtimestamp(boundary, UTC)
    in_plus_two = in_utc.astimezone(timezone(timedelta(hours=2)))

    after = _ids(server, last_seq, since=boundary)
    before = _ids(server, last_seq, until=boundary)
    assert after and before
    assert after | before == {e["id"] for e in events}
    for written in (
        in_utc.isoformat(),
        in_plus_two.isoformat(),
        in_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    ):
        assert _ids(server, last_seq, since=written) == after, written
        assert _ids(server, last_seq, until=written) == before, written

    naive = httpx.get(
        f"{server.url}/api/events", params={"since": "2023-11-14T22:13:20"}, timeout=30
    )
    assert naive.status_code == 422
    assert "timezone" in naive.text


def _asyncapi_validator(api: ApiServer, message: str) -> jsonschema_rs.Validator:
    """A validator of the payload of the AsyncAPI document's ``message``."""
    document = httpx.get(f"{api.url}/asyncapi.json", timeout=30).json()
    assert document["asyncapi"].startswith("3.")
    payload = document["components"]["messages"][message]["payload"]
    return jsonschema_rs.Draft202012Validator(payload | {"components": document["components"]})


def test_live_feed_messages_validate_against_the_asyncapi_document(server: ApiServer) -> None:
    document = httpx.get(f"{server.url}/asyncapi.json", timeout=30).json()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {
        "/api/events/ws",
        "/api/events/stream",
        "/api/cameras/{camera_id}/tracks/ws",
        "/api/cameras/{camera_id}/tracks/stream",
    }
    for operation in document["operations"].values():
        channel = operation["channel"]["$ref"].rsplit("/", 1)[1]
        assert channel in document["channels"]
    event = _asyncapi_validator(server, "event")
    frame = _asyncapi_validator(server, "frame")
    wait_until(lambda: _types_seen(server) == {t.value for t in EventType}, 60, step_s=0.2)

    with connect(f"{server.ws_url}/api/events/ws?after=0", open_timeout=30) as ws:
        messages = [json.loads(ws.recv(timeout=30)) for _ in range(20)]
    assert {m["type"] for m in messages} >= {"track.started", "line.crossed"}
    for message in messages:
        event.validate(message)
    assert all(m["clip"]["state"] in {"pending", "ready", "failed"} for m in messages)
    sse = read_sse(f"{server.url}/api/events/stream?after=0", 20, timeout_s=30)
    for message in sse:
        event.validate(message.data)
        assert message.event == message.data["type"]
        assert message.id == str(message.data["seq"])

    with connect(f"{server.ws_url}/api/cameras/sq/tracks/ws", open_timeout=30) as ws:
        frames = [json.loads(ws.recv(timeout=30)) for _ in range(5)]
    frames += [m.data for m in read_sse(f"{server.url}/api/cameras/sq/tracks/stream", 5, 30)]
    assert any(f["tracks"] for f in frames)
    for message in frames:
        frame.validate(message)
    assert not frame.is_valid(messages[0]) and not event.is_valid(frames[0])

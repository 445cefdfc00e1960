"""The OpenAPI document the app serves: every operation described, with examples and its error
responses, under a stable short id; the counts with a real schema."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

OPERATION_IDS = {
    ("get", "/healthz"): "operations_healthz",
    ("get", "/readyz"): "operations_readyz",
    ("get", "/api/health"): "operations_health",
    ("get", "/metrics"): "operations_metrics",
    ("get", "/api/cameras"): "cameras_list",
    ("post", "/api/cameras"): "cameras_create",
    ("get", "/api/cameras/{camera_id}"): "cameras_get",
    ("patch", "/api/cameras/{camera_id}"): "cameras_update",
    ("delete", "/api/cameras/{camera_id}"): "cameras_delete",
    ("get", "/api/cameras/{camera_id}/snapshot.jpg"): "cameras_snapshot",
    ("get", "/api/cameras/{camera_id}/tracks"): "tracks_active",
    ("get", "/api/tracks"): "tracks_history",
    ("get", "/api/cameras/{camera_id}/tracks/stream"): "tracks_stream",
    ("get", "/api/events"): "events_list",
    ("get", "/api/events/stream"): "events_stream",
    ("get", "/api/events/{event_id}"): "events_get",
    ("get", "/api/events/{event_id}/thumbnail.jpg"): "events_thumbnail",
    ("get", "/api/events/{event_id}/clip.mp4"): "events_clip",
    ("get", "/api/counts"): "analytics_counts",
    ("get", "/api/cameras/{camera_id}/analytics"): "analytics_live",
    ("get", "/api/cameras/{camera_id}/heatmap.png"): "analytics_heatmap",
    ("get", "/api/deadletters"): "delivery_dead_letters_list",
    ("delete", "/api/deadletters/{letter_id}"): "delivery_dead_letter_delete",
    ("post", "/api/deadletters/retry"): "delivery_dead_letters_retry",
    ("post", "/api/deadletters/{letter_id}/retry"): "delivery_dead_letter_retry",
    ("get", "/api/cameras/{camera_id}/mjpeg"): "live_view_mjpeg",
    ("post", "/api/cameras/{camera_id}/whep"): "live_view_whep_start",
    ("delete", "/api/cameras/{camera_id}/whep/{session_id}"): "live_view_whep_stop",
    ("post", "/api/cameras/{camera_id}/whip"): "live_ingest_whip_start",
    ("delete", "/api/cameras/{camera_id}/whip/{session_id}"): "live_ingest_whip_stop",
    ("get", "/api/cameras/{camera_id}/recordings"): "cameras_recordings",
    ("get", "/api/cameras/{camera_id}/clip.mp4"): "cameras_clip",
}
"""Generated clients name their methods after these: changing one breaks them."""
OPEN = {"/healthz", "/readyz", "/metrics"}
"""Operations that need no token."""

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _operations(spec: dict[str, Any]) -> list[Operation]:
    return [
        (method, path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _has_example(spec: dict[str, Any], media: dict[str, Any]) -> bool:
    """An example on the media type, or on its schema (or an array's items)."""
    if "example" in media or "examples" in media:
        return True
    schema = _resolve(spec, media.get("schema", {}))
    if "items" in schema:
        schema = _resolve(spec, schema["items"])
    return "examples" in schema or "example" in schema


def test_operation_ids_are_short_and_stable(spec: dict[str, Any]) -> None:
    found = {(m, p): op["operationId"] for m, p, op in _operations(spec)}
    assert found == OPERATION_IDS


def test_every_operation_is_described_with_examples(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert len(operation.get("description", "")) > 20, where
        body = operation.get("requestBody", {}).get("content", {})
        for kind, media in body.items():
            assert _has_example(spec, media), (where, "request", kind)
        for code, response in operation["responses"].items():
            assert response.get("description"), (where, code)
            for kind, media in response.get("content", {}).items():
                if kind.startswith(("image/", "video/", "multipart/")) or "stream" in kind:
                    continue
                if code == "422":
                    continue  # FastAPI's own validation error schema
                assert _has_example(spec, media), (where, code, kind)


def test_every_operation_documents_its_errors(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        codes = set(operation["responses"])
        if path not in OPEN:
            assert "401" in codes, where
        writes = method != "get" and "/whep" not in path  # watching is reading
        if writes:
            assert "403" in codes, where
        if "{" in path:
            assert {"404", "422"} <= codes, where
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in codes, where
    creating = spec["paths"]["/api/cameras"]["post"]["responses"]
    assert {"400", "409", "413"} <= set(creating)
    retry = spec["paths"]["/api/deadletters/{letter_id}/retry"]["post"]["responses"]
    assert "409" in retry


def test_counts_have_a_schema_and_a_zone_parameter(spec: dict[str, Any]) -> None:
    counts = spec["paths"]["/api/counts"]["get"]
    json_schema = counts["responses"]["200"]["content"]["application/json"]["schema"]
    assert json_schema["type"] == "array"
    item = _resolve(spec, json_schema["items"])
    assert {"bucket_start", "bucket_start_iso", "count", "direction"} <= set(item["required"])
    assert "text/csv" in counts["responses"]["200"]["content"]
    names = {p["name"] for p in counts["parameters"]}
    assert {"tz", "since", "until", "interval"} <= names


def test_event_type_is_an_enum_and_times_take_iso(spec: dict[str, Any]) -> None:
    events = spec["paths"]["/api/events"]["get"]
    params = {p["name"]: p["schema"] for p in events["parameters"]}
    items = params["type"]["anyOf"][0]["items"]
    assert _resolve(spec, items)["enum"] == [
        "track.started",
        "track.ended",
        "line.crossed",
        "zone.entered",
        "zone.exited",
        "zone.loitering",
    ]
    since = [s.get("format", s.get("type")) for s in params["since"]["anyOf"]]
    assert {"number", "date-time"} <= set(since)


def test_events_carry_their_clip_state_and_the_clip_says_why_it_is_missing(
    spec: dict[str, Any],
) -> None:
    started = spec["components"]["schemas"]["TrackStarted"]
    assert "clip" in started["required"]
    [clip, null] = started["properties"]["clip"]["anyOf"]
    assert null == {"type": "null"}
    out = _resolve(spec, clip)
    assert set(out["properties"]) == {"state", "url", "reason"}
    assert _resolve(spec, out["properties"]["state"])["enum"] == [
        "pending",
        "ready",
        "failed",
        "expired",
    ]
    responses = spec["paths"]["/api/events/{event_id}/clip.mp4"]["get"]["responses"]
    assert {"200", "404", "410"} <= set(responses)
    assert "Retry-After" in responses["404"]["description"]
    health = spec["components"]["schemas"]["CameraHealthOut"]["properties"]["clips"]
    assert {"written", "failed", "error", "failing_since"} == set(
        _resolve(spec, health["anyOf"][0])["properties"]
    )


def test_camera_json_shows_and_patch_takes_detector_tracker_and_reconnect(
    spec: dict[str, Any],
) -> None:
    schemas = spec["components"]["schemas"]
    for model in ("CameraOut", "CameraPatch"):
        assert {"detector", "tracker", "reconnect"} <= set(schemas[model]["properties"]), model

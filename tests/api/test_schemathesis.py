"""Generated requests for every documented operation, as a viewer and as an admin: none may cause a
server error, and the streaming camera's analysis never stops meanwhile.

Requests go to a real uvicorn server with token auth. Each operation gets schema-valid (positive)
and schema-violating (negative) cases with each token, then the hand-made hostile requests of
``tests.api.hostile`` are sent with each token. Every operation of the document is covered: the SSE
routes with fewer cases, each read for a few seconds (schemathesis stops reading an event stream at
its timeout), WHEP and WHIP with generated ``application/sdp`` bodies. The WebSocket routes are not
in OpenAPI (``/asyncapi.json`` has them). Cameras created by generated requests are
real (test detector) and stop with the server. After every operation the ``loop`` camera's
analysed frame count must rise again: a detector thread killed by one generated camera would stop
it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode, SerializationContext
from schemathesis.core.result import Ok
from schemathesis.openapi import from_url
from schemathesis.schemas import APIOperation

from api.app import create_app
from config import AppConfig
from service import build_service
from tests.api.hostile import HOSTILE, HUGE_BODY, PASSWORD, STORED_URL
from tests.blob_detector import BrightBlobDetector
from tests.servers.api_server import ApiServer
from tests.waiting import wait_until

Operation = APIOperation[Any, Any, Any, Any]
"""An operation of any schema: schemathesis leaves its parameters open."""

VIEWER = "viewer-token-0123456789"
ADMIN = "admin-token-0123456789"
TOKENS = {"viewer": VIEWER, "admin": ADMIN}
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}
"""Cases per operation, token and mode: about 40 cases per operation, ~1100 in all."""
STREAM_EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 3}
STREAM_READ_S = 3.0
"""How long one SSE case is read: a stream with no events for its filters never ends."""


def _sdp(_context: SerializationContext, value: Any) -> bytes:
    """Generated ``application/sdp`` bodies go on the wire as text (non-strings as JSON)."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("utf-8", "surrogatepass")


schemathesis.serializer("application/sdp")(_sdp)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, square_clip: Path) -> Iterator[ApiServer]:
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path_factory.mktemp("data")),
            "auth": {"tokens": [{"token": VIEWER}, {"token": ADMIN, "role": "admin"}]},
            "sources": {"media_roots": [str(square_clip.parent)]},
            "cameras": [
                {"id": "loop", "url": str(square_clip), "loop": True},
                {"id": "kept", "url": STORED_URL, "enabled": False},
            ],
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        yield api


class Analysis:
    """The ``loop`` camera's analysed frame count, read through the API."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client
        self.last = self.frames()

    def frames(self) -> int:
        answer = self._client.get("/api/cameras/loop")
        assert answer.status_code == 200, answer.text
        frames: int = answer.json()["health"]["frames_analysed"]
        return frames

    def keeps_rising(self) -> None:
        """Wait until the count passes the last one seen."""
        last = self.last
        wait_until(lambda: self.frames() > last, timeout_s=60, step_s=0.1)
        self.last = self.frames()


@pytest.fixture
def analysis(server: ApiServer) -> Iterator[Analysis]:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        yield Analysis(client)


def _modes(operation: Operation) -> list[GenerationMode]:
    """Negative cases need something to break: a parameter or a body."""
    inputs = (operation.path_parameters, operation.query, operation.headers, operation.body)
    return list(EXAMPLES) if any(len(group) for group in inputs) else [GenerationMode.POSITIVE]


def _streams(operation: Operation) -> bool:
    return operation.path.endswith("/stream")


def _no_server_error(operation: Operation, mode: GenerationMode, token: str) -> None:
    streams = _streams(operation)
    timeout = STREAM_READ_S if streams else 30

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=(STREAM_EXAMPLES if streams else EXAMPLES)[mode],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def no_server_error(case: Case[Operation]) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        assert PASSWORD not in response.text

    no_server_error()


def test_no_generated_request_causes_a_server_error(server: ApiServer, analysis: Analysis) -> None:
    document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    schema = from_url(f"{server.url}/openapi.json")
    analysis.keeps_rising()
    checked = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        for mode in _modes(operation):
            for token in TOKENS.values():
                _no_server_error(operation, mode, token)
        analysis.keeps_rising()
        checked.append(operation.label)
    documented = [m for methods in document["paths"].values() for m in methods]
    assert len(checked) == len(documented), checked


@pytest.mark.parametrize("role", list(TOKENS))
def test_hostile_requests_never_cause_a_server_error(
    server: ApiServer, analysis: Analysis, role: str
) -> None:
    headers = {"Authorization": f"Bearer {TOKENS[role]}", "content-type": "application/json"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        before = client.get("/api/cameras/kept").json()
        for method, path, body in [*HOSTILE, ("POST", "/api/cameras", HUGE_BODY)]:
            answer = client.request(method, path, content=body.encode())
            expected = 413 if body is HUGE_BODY else 403 if role == "viewer" else 422
            assert answer.status_code == expected, (method, path, answer.text[:300])
            assert PASSWORD not in answer.text
        after = client.get("/api/cameras/kept").json()
    assert {k: v for k, v in after.items() if k != "health"} == {
        k: v for k, v in before.items() if k != "health"
    }
    analysis.keeps_rising()

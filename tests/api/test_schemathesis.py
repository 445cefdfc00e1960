"""Generated requests for every documented operation: none may cause a server error.

Requests go to a real uvicorn server. The SSE routes are left out (they stream until the client
leaves); the WebSocket routes are not in OpenAPI. Cameras created by generated requests are real
(test detector) and stop with the server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.openapi import from_url

from api.app import create_app
from config import AppConfig
from service import build_service
from tests.blob_detector import BrightBlobDetector
from tests.servers.api_server import ApiServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    config = AppConfig.model_validate(
        {"data_dir": str(tmp_path_factory.mktemp("data")), "auth": {"open": True}}
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        yield api


def test_no_generated_request_causes_a_server_error(server: ApiServer) -> None:
    schema = from_url(f"{server.url}/openapi.json").exclude(path_regex=r"/stream$")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Case) -> None:
            response = case.call(timeout=30)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)

        no_server_error()
        checked.append(operation.label)
    assert len(checked) >= 12, checked

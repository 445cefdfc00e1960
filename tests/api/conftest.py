"""A service with real file cameras, real storage (SQLite in a temp dir) and a test detector."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from config import AppConfig
from service import Service, build_service
from tests.blob_detector import BrightBlobDetector
from tests.sources import local_sources

ServiceFactory = Callable[..., Service]


@pytest.fixture
def make_service(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceFactory]:
    """Build a service from config fields (open access, a temp data dir, files from every test
    temp dir and loopback cameras allowed, unless given). Open mode answers local host names
    only: TestClient's ``testserver`` is allowed by name."""
    sources = local_sources(tmp_path_factory.getbasetemp()).model_dump()

    def make(**fields: Any) -> Service:
        auth = {"open": True, "hosts": ["testserver"]}
        config = AppConfig.model_validate(
            {"data_dir": str(tmp_path / "data"), "auth": auth, "sources": sources} | fields
        )
        return build_service(config, detector_factory=lambda _: BrightBlobDetector())

    yield make
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast")]
    assert leftovers == []


@pytest.fixture
def app(make_service: ServiceFactory) -> FastAPI:
    return create_app(make_service())


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client

"""An API server whose WebRTC side gathers loopback candidates, over a looping square clip."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from api.app import create_app
from config import AppConfig
from restream.ice import IceSettings
from service import Service, build_service
from tests.blob_detector import BrightBlobDetector
from tests.media import write_moving_square_clip
from tests.servers.api_server import ApiServer
from tests.sources import local_sources

CAMERA = "square"


@pytest.fixture(scope="session")
def long_square_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3.5 s at 10 fps: the square crosses the 320 px frame, one keyframe per half second."""
    path = tmp_path_factory.mktemp("media") / "square-long.mp4"
    write_moving_square_clip(path, frames=35)
    return path


def make_app(
    data_dir: Path, clip: Path, auth: dict[str, object] | None = None
) -> tuple[FastAPI, Service]:
    """Open access (answered on 127.0.0.1, where the servers listen) unless ``auth`` says."""
    config = AppConfig.model_validate(
        {
            "data_dir": str(data_dir),
            "auth": auth if auth is not None else {"open": True},
            # open mode: every viewer here is one caller (127.0.0.1); tests open up to 3 at once
            "webrtc": {"viewers": {"per_token": 8, "pending_per_token": 4}},
            "sources": local_sources(clip.parent).model_dump(),
            "cameras": [{"id": CAMERA, "url": str(clip), "loop": True}],
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    app = create_app(service)
    app.state.webrtc_ice = IceSettings(("127.0.0.1",))
    return app, service


@pytest.fixture
def square_server(tmp_path: Path, long_square_clip: Path) -> Iterator[tuple[ApiServer, FastAPI]]:
    app, _ = make_app(tmp_path / "data", long_square_clip)
    with ApiServer(app) as server:
        yield server, app
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast")]
    assert leftovers == []

"""The node agent in this process (its methods are plain Python; Ray only carries the calls):
cameras with their node in their status, clean removal, and self-fencing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.agent import NodeAgent
from config import AppConfig, CameraConfig
from events import TRACK_ENDED, TRACK_STARTED
from storage import EventQuery, EventStore, migrate, open_database
from stream.health import CameraState
from tests.blob_detector import bright_blobs
from tests.media import write_moving_square_clip
from tests.sources import local_sources
from tests.waiting import wait_until

LEASE_S = 1.0


class LocalAgent(NodeAgent):
    """A node agent outside Ray, whose node is alive while :attr:`node_up` says so."""

    def __init__(self, config: AppConfig) -> None:
        self.node_up = True
        super().__init__(config, "node-a", bright_blobs, lease_s=LEASE_S)

    def node_alive(self) -> bool:
        return self.node_up


@pytest.fixture
def store(cluster_database: str) -> Iterator[EventStore]:
    engine = open_database(cluster_database)
    migrate(engine)  # the controller's job in a cluster
    yield EventStore(engine)
    engine.dispose()


@pytest.fixture
def agent(tmp_path: Path, cluster_database: str, store: EventStore) -> Iterator[LocalAgent]:
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "storage": {"url": cluster_database, "flush_interval_ms": 50},
            "tracker": {"lost_timeout_s": 0.3},
            "sources": local_sources(tmp_path).model_dump(),
        }
    )
    agent = LocalAgent(config)
    try:
        yield agent
    finally:
        assert agent.stop(15.0)


@pytest.fixture
def square(tmp_path: Path) -> CameraConfig:
    clip = tmp_path / "square.mp4"
    write_moving_square_clip(clip, frames=20)
    return CameraConfig(id="sq", url=str(clip), loop=True)


def _events(store: EventStore, camera: str, type_: str) -> int:
    return store.count(EventQuery(camera_ids=(camera,), types=(type_,)))


def test_a_camera_runs_with_its_node_and_stops_with_its_tracks_ended(
    agent: LocalAgent, square: CameraConfig, store: EventStore
) -> None:
    before = store.latest_seq()
    agent.add_camera(square)
    wait_until(lambda: _events(store, "sq", TRACK_STARTED) >= 1, 30)
    status = agent.status("sq")
    assert status is not None and status.node == "node-a"
    assert agent.statuses()["sq"].node == "node-a"
    report = agent.lease(["sq"])
    assert report.cameras == {"sq": before} and report.incarnation == agent.incarnation

    assert agent.remove_camera("sq") is True
    assert agent.remove_camera("sq") is False and agent.status("sq") is None
    wait_until(
        lambda: _events(store, "sq", TRACK_ENDED) >= _events(store, "sq", TRACK_STARTED), 10
    )  # the tracks it had open ended as the camera stopped
    assert store.open_tracks("sq") == []


def test_an_agent_stops_cameras_it_no_longer_owns_and_writes_nothing_more_for_them(
    agent: LocalAgent, square: CameraConfig, store: EventStore
) -> None:
    agent.add_camera(square)
    wait_until(lambda: store.open_tracks("sq") != [], 30)
    agent.lease([])  # the controller gave it to another node
    wait_until(lambda: agent.camera_ids() == [], 30)
    assert agent.events.fenced("sq")
    wait_until(lambda: agent.storage.writer.pending() == 0, 30)
    assert store.open_tracks("sq") != []  # its tracks are not ended here: the controller ends them
    assert agent.events.dropped >= 1  # the endings its stop emitted


def test_an_agent_whose_lease_runs_out_stops_every_camera(
    agent: LocalAgent, square: CameraConfig, store: EventStore
) -> None:
    agent.add_camera(square)
    wait_until(lambda: agent.status("sq") is not None, 10)
    status = agent.status("sq")
    assert status is not None and status.health.state is not CameraState.FAILED
    wait_until(lambda: agent.camera_ids() == [], LEASE_S + 30)  # no renewal
    assert agent.events.fenced("sq")
    agent.add_camera(square)  # the controller reaches it again: it runs the camera again
    assert not agent.events.fenced("sq") and agent.camera_ids() == ["sq"]


def test_an_agent_whose_node_is_dead_stops_every_camera(
    agent: LocalAgent, square: CameraConfig
) -> None:
    agent.add_camera(square)
    agent.lease(["sq"])
    agent.node_up = False  # Ray says so: the controller starts its cameras elsewhere
    wait_until(lambda: agent.camera_ids() == [], 30)
    assert agent.events.fenced("sq") and agent.ownership.watch.cut_off

"""The controller on a real local Ray cluster, with PostgreSQL, file cameras and an RTSP camera:
placement over the workers, failover when a worker is lost, rebalancing when one joins."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import ray
from pydantic import ValidationError

from cluster import NAMESPACE, ClusterError
from cluster.agents import agent_name
from cluster.calls import UNREACHABLE, call
from cluster.client import controller, stop_controller
from cluster.controller import NodeInfo, require_postgres
from cluster.node_lost import NODE_LOST
from config import AppConfig
from events import TRACK_ENDED, TRACK_STARTED, StoredEvent
from runtime.camera_set import CameraExistsError
from runtime.cameras import CameraStatus
from storage import EventQuery, EventStore, migrate, open_database
from stream.health import CameraState
from tests.blob_detector import bright_blobs
from tests.media import write_moving_square_clip
from tests.servers.ray_cluster import LocalRayCluster, local_ray_cluster
from tests.servers.rtsp import RtspCamera
from tests.sources import local_sources
from tests.waiting import scaled, wait_until

FILE_CAMERAS = 5
FAILOVER_S = 15.0
CALL_S = 30.0


def _config(tmp_path: Path, url: str, rtsp_url: str) -> AppConfig:
    clip = tmp_path / "square.mp4"
    write_moving_square_clip(clip, frames=20)
    files = [{"id": f"file{n}", "url": str(clip), "loop": True} for n in range(FILE_CAMERAS)]
    return AppConfig.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "storage": {"url": url, "flush_interval_ms": 50},
            "tracker": {"lost_timeout_s": 0.3},
            "sources": local_sources(tmp_path).model_dump(),
            "cameras": [*files, {"id": "rtsp", "url": rtsp_url}],
        }
    )


class EventReader:
    """Follows the events table by ``seq > cursor`` from its own thread, as a live feed does."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.seen: list[StoredEvent] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-reader")

    def __enter__(self) -> EventReader:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(scaled(10))
        self._read()  # what came after its last round

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._read()

    def _read(self) -> None:
        while True:
            cursor = self.seen[-1].seq if self.seen else 0
            found = self.store.query(EventQuery(after_seq=cursor, limit=1000))
            self.seen += found
            if len(found) < 1000:
                return


@contextmanager
def _driver(cluster: LocalRayCluster) -> Iterator[None]:
    ray.init(address=cluster.address, namespace=NAMESPACE, log_to_driver=True)
    try:
        yield
    finally:
        ray.shutdown()


def _statuses(handle: Any) -> dict[str, CameraStatus]:
    """Every camera's status; none while the controller restarts."""
    try:
        statuses: dict[str, CameraStatus] = call(handle.statuses.remote(), CALL_S)
    except UNREACHABLE:
        return {}
    return statuses


def _incarnation(handle: Any, node: str) -> str | None:
    """The incarnation of ``node``'s agent, as the controller knows it."""
    nodes: list[NodeInfo] = call(handle.nodes.remote(), CALL_S)
    return next((info.incarnation for info in nodes if info.node == node), None)


def _pid(handle: Any) -> int | None:
    """The controller's process id; None while it restarts."""
    try:
        pid: int = call(handle.__ray_call__.remote(lambda _actor: os.getpid()), CALL_S)
    except UNREACHABLE:
        return None
    return pid


def _all_streaming(handle: Any, cameras: int, avoid: str | None = None) -> bool:
    statuses = _statuses(handle)
    return len(statuses) == cameras and all(
        s.health.state is CameraState.STREAMING and s.node is not None and s.node != avoid
        for s in statuses.values()
    )


@pytest.fixture
def store(cluster_database: str) -> Iterator[EventStore]:
    """The events of the test's database, migrated (the reader starts before the controller);
    its connections closed after, when the test fails too."""
    engine = open_database(cluster_database)
    migrate(engine)
    yield EventStore(engine)
    engine.dispose()


def test_cameras_spread_fail_over_to_the_survivor_and_move_to_a_joining_node(
    tmp_path: Path, cluster_database: str, store: EventStore, rtsp_camera: RtspCamera
) -> None:
    config = _config(tmp_path, cluster_database, rtsp_camera.url)
    cameras = len(config.cameras)
    with local_ray_cluster(workers=2) as cluster, _driver(cluster), EventReader(store) as reader:
        handle = controller(config, detector_factory=bright_blobs)
        wait_until(lambda: _all_streaming(handle, cameras), 120, step_s=0.5)
        before = {camera: s.node for camera, s in _statuses(handle).items()}
        victim, survivor = cluster.workers
        assert set(before.values()) == {cluster.node_id(victim), cluster.node_id(survivor)}
        lost = sorted(c for c, node in before.items() if node == cluster.node_id(victim))
        wait_until(lambda: store.count(EventQuery(types=(TRACK_STARTED,))) >= cameras, 60)
        with pytest.raises(CameraExistsError):  # the controller's own exception, unwrapped
            call(handle.create.remote(config.cameras[0]), CALL_S)
        extra = config.cameras[0].model_copy(update={"id": "extra"})
        assert call(handle.create.remote(extra), CALL_S) == extra
        status = call(handle.status.remote("extra"), CALL_S)
        assert status is not None and status.node in before.values()
        call(handle.delete.remote("extra"), CALL_S)
        assert call(handle.status.remote("extra"), CALL_S) is None
        with pytest.raises(KeyError):
            call(handle.find.remote("extra"), CALL_S)
        with pytest.raises(ValidationError):  # one that Ray cannot subclass: the same
            call(handle.update.remote("file0", {"fps_cap": -1}), CALL_S)

        cluster.remove_worker(victim)
        started = time.monotonic()
        wait_until(lambda: _all_streaming(handle, cameras, cluster.node_id(victim)), 60, 0.2)
        failover_s = time.monotonic() - started
        print(f"failover of {len(lost)} cameras ({', '.join(lost)}): {failover_s:.1f} s")
        assert failover_s < scaled(FAILOVER_S)
        after = _statuses(handle)
        assert {after[c].node for c in lost} == {cluster.node_id(survivor)}

        joining = cluster.add_worker()
        wait_until(
            lambda: (
                sum(s.node == cluster.node_id(joining) for s in _statuses(handle).values())
                >= cameras // 2
            ),
            60,
            0.5,
        )
        wait_until(lambda: _all_streaming(handle, cameras), 60, 0.5)

        placed = {camera: s.node for camera, s in _statuses(handle).items()}
        killed = _pid(handle)
        ray.kill(handle, no_restart=False)  # Ray restarts it; it rebuilds what it knew
        started = time.monotonic()
        # the kill takes effect a moment later: the old process may still answer meanwhile
        wait_until(lambda: _pid(handle) not in (killed, None), 60, 0.2)
        wait_until(lambda: _all_streaming(handle, cameras), 60, 0.5)
        print(f"controller restarted in {time.monotonic() - started:.1f} s")
        assert {camera: s.node for camera, s in _statuses(handle).items()} == placed

        restarted = sorted(c for c, node in placed.items() if node == cluster.node_id(joining))
        agent = ray.get_actor(agent_name(cluster.node_id(joining)), namespace=NAMESPACE)
        first = _incarnation(handle, cluster.node_id(joining))
        ray.kill(agent, no_restart=False)  # Ray starts it again, without cameras
        wait_until(lambda: _incarnation(handle, cluster.node_id(joining)) not in (first, None), 60)
        wait_until(lambda: _all_streaming(handle, cameras), 60, 0.5)
        assert {camera: s.node for camera, s in _statuses(handle).items()} == placed
        assert stop_controller(handle) is True

    table = store.query(EventQuery(limit=100_000))
    assert [e.seq for e in reader.seen] == [e.seq for e in table]  # no gap, no duplicate
    assert len({e.event.id for e in table}) == len(table)
    ended_lost = [e for e in table if e.event.data.get("reason") == NODE_LOST]
    assert ended_lost  # the lost and the restarted agent left tracks open
    assert {e.event.camera_id for e in ended_lost} <= {*lost, *restarted}
    for camera in {camera.id for camera in config.cameras}:
        # every track ended exactly once: by its tracker, its camera's stop, or node_lost
        assert store.open_tracks(camera) == [], camera
        track_events = [e.event.type for e in table if e.event.camera_id == camera]
        assert track_events.count(TRACK_STARTED) == track_events.count(TRACK_ENDED), [
            (
                e.seq,
                e.event.type,
                e.event.track_id,
                e.event.data.get("reason"),
                round(e.event.time, 2),
            )
            for e in table
            if e.event.camera_id == camera
        ]


def test_cluster_mode_refuses_a_database_other_than_postgresql(tmp_path: Path) -> None:
    config = AppConfig.model_validate({"data_dir": str(tmp_path)})
    with pytest.raises(ClusterError, match="cluster mode needs PostgreSQL"):
        require_postgres(config)
    sqlite = AppConfig.model_validate({"storage": {"url": f"sqlite:///{tmp_path}/t.db"}})
    with pytest.raises(ClusterError, match=r"storage\.url"):
        require_postgres(sqlite)

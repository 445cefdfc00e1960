"""Failover as an API client sees it: six cameras (five files and one RTSP camera) spread over two
worker nodes; one worker is lost. Its cameras stream again on the other within 15 s, per
GET /api/cameras; the API answers throughout; every stored event id is unique; and a reader
following GET /api/events by its seq cursor sees every stored event once, with no gap."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from websockets.sync.client import connect

from tests.media import write_moving_square_clip
from tests.servers.cluster_api import api_replicas, wait_streaming
from tests.servers.ray_cluster import local_ray_cluster
from tests.servers.rtsp import RtspCamera
from tests.servers.trackcast_server import TrackcastServer
from tests.storage.conftest import PostgresServer
from tests.waiting import scaled, wait_until

FAILOVER_S = 15.0
POLL_S = 0.2


@dataclass
class ApiWatch:
    """Polls GET /api/cameras and follows GET /api/events on one thread, and watches the track
    feed of ``viewed`` on another, until stopped."""

    replica: TrackcastServer
    viewed: str
    failures: list[str] = field(default_factory=list)
    answers: int = 0
    seqs: list[int] = field(default_factory=list)
    frames_at: list[float] = field(default_factory=list)
    """When each of ``viewed``'s track-feed messages came (monotonic)."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._run, name="api-watch"),
            threading.Thread(target=self._view, name="api-view"),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(scaled(60))
            assert not thread.is_alive()

    def _view(self) -> None:
        url = f"{self.replica.ws_url}/api/cameras/{self.viewed}/tracks/ws"
        with connect(url, open_timeout=scaled(30)) as feed:
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    feed.recv(timeout=1.0)
                    self.frames_at.append(time.monotonic())

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                cameras = self.replica.request("GET", "/api/cameras")
                if cameras.status_code != 200:
                    self.failures.append(f"GET /api/cameras: {cameras.status_code} {cameras.text}")
                self.answers += 1
                self._follow_events()
            except httpx.HTTPError as error:
                self.failures.append(f"{type(error).__name__}: {error}")

    def _follow_events(self) -> None:
        after = self.seqs[-1] if self.seqs else 0
        page = self.replica.request("GET", "/api/events", params={"after": after, "limit": 1000})
        if page.status_code != 200:
            self.failures.append(f"GET /api/events: {page.status_code} {page.text}")
            return
        self.seqs += [event["seq"] for event in page.json()["events"]]


def _all_events(replica: TrackcastServer) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    while True:
        after = events[-1]["seq"] if events else 0
        page = replica.request("GET", "/api/events", params={"after": after, "limit": 1000})
        page.raise_for_status()
        events += page.json()["events"]
        if page.json()["next_after"] is None:
            return events


def _last_error(replica: TrackcastServer) -> str:
    """The replica's log from its last ERROR line on (the traceback of a 500)."""
    output = replica.output()
    return output[output.rfind(" ERROR ") :][:8000]


def _nodes(replica: TrackcastServer) -> dict[str, str | None]:
    cameras = replica.request("GET", "/api/cameras")
    assert cameras.status_code == 200, _last_error(replica)
    return {c["id"]: c["node"] for c in cameras.json()}


def test_a_lost_worker_s_cameras_stream_again_on_the_other_while_the_api_answers(
    postgres: PostgresServer, tmp_path: Path, rtsp_camera: RtspCamera
) -> None:
    clip = tmp_path / "square.mp4"
    write_moving_square_clip(clip, frames=30)
    files = {f"file{i}": {"url": str(clip), "loop": True, "realtime": True} for i in range(5)}
    cameras: dict[str, dict[str, object]] = {**files, "rtsp": {"url": rtsp_camera.url}}
    ids = list(cameras)
    with (
        local_ray_cluster(workers=2, cameras_per_worker=6) as cluster,
        api_replicas(postgres, tmp_path, cluster.address, 1) as (api,),
    ):
        for camera_id, camera in cameras.items():
            created = api.request("POST", "/api/cameras", json={"id": camera_id, **camera})
            assert created.status_code == 201
        wait_streaming(api, ids, 240)
        placed = _nodes(api)
        workers = {cluster.node_id(w): w for w in cluster.workers}
        assert set(placed.values()) == set(workers)  # spread over both workers
        lost_node = str(placed["rtsp"])
        lost = [camera_id for camera_id, node in placed.items() if node == lost_node]
        time.sleep(2)  # some events and open tracks on the node about to go

        watch = ApiWatch(api, viewed="rtsp")
        watch.start()
        try:
            wait_until(lambda: len(watch.frames_at) > 0, 30)
            removed_at = time.monotonic()
            cluster.remove_worker(workers[lost_node])
            survivor = next(node for node in workers if node != lost_node)

            def moved() -> bool:
                nodes = _nodes(api)
                return all(nodes[i] == survivor for i in lost)

            took = wait_until(moved, FAILOVER_S, step_s=0.2)
            wait_streaming(api, ids, FAILOVER_S - took)
            time.sleep(3)  # events go on from the new node
        finally:
            watch.stop()

        assert watch.failures == [], _last_error(api)
        assert watch.answers > 0
        # the viewer of a moved camera went on receiving frames from its new node
        pulls = [line for line in api.output().splitlines() if "cluster.puller" in line]
        assert any(at > removed_at + took for at in watch.frames_at), (
            [round(at - removed_at, 2) for at in watch.frames_at[-20:]],
            pulls[-20:],
        )
        stored = _all_events(api)
        event_ids = [event["id"] for event in stored]
        assert len(event_ids) == len(set(event_ids))
        seqs = [int(str(event["seq"])) for event in stored]
        assert seqs == sorted(set(seqs))
        # the follower saw exactly what is stored after where it began, up to where it stopped
        assert watch.seqs and watch.seqs == [
            s for s in seqs if watch.seqs[0] <= s <= watch.seqs[-1]
        ]
        assert {event["camera_id"] for event in stored} >= {i for i in lost if i != "rtsp"}

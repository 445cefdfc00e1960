"""API replicas of a cluster for tests: ``trackcast serve --cluster`` subprocesses running the
blob detector, on a fresh database of the session's PostgreSQL, and what tests ask them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.servers.trackcast_server import TrackcastServer
from tests.sources import local_sources_yaml
from tests.storage.conftest import PostgresServer
from tests.waiting import scaled, wait_until

BLOB_SERVE = (sys.executable, "-m", "tests.servers.blob_serve")


def cluster_config(tmp_path: Path, database_url: str, extra: str = "") -> Path:
    """A cluster-mode config: open API, shared data_dir and database, files under ``tmp_path``;
    ``extra``: more top-level YAML (webhooks, mqtt...)."""
    config = tmp_path / "cluster.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        f"storage: {{url: '{database_url}', flush_interval_ms: 50}}\n"
        "tracker: {lost_timeout_s: 0.3}\n"
        "cluster: {event_poll_ms: 100}\n" + local_sources_yaml(tmp_path) + extra
    )
    return config


@contextmanager
def api_replicas(
    postgres: PostgresServer, tmp_path: Path, address: str, count: int, extra: str = ""
) -> Iterator[list[TrackcastServer]]:
    """``count`` API replicas of the cluster at ``address`` on a fresh database (dropped after),
    ``extra`` added to their config (:func:`cluster_config`)."""
    database = postgres.create_database()
    config = cluster_config(tmp_path, postgres.url(database), extra)
    try:
        with ExitStack() as stack:
            replicas = []
            for _ in range(count):
                replica = TrackcastServer(
                    config, args=["--open", "--cluster", address], program=BLOB_SERVE
                )
                stack.callback(replica.close)
                replica.start(ready_timeout_s=180)
                replicas.append(replica)
            yield replicas
    finally:
        postgres.drop_database(database)


def camera_json(replica: TrackcastServer, camera_id: str) -> dict[str, object]:
    response = replica.request("GET", f"/api/cameras/{camera_id}")
    response.raise_for_status()
    camera: dict[str, object] = response.json()
    return camera


def wait_streaming(replica: TrackcastServer, camera_ids: list[str], timeout_s: float) -> None:
    """Until GET /api/cameras shows every one of ``camera_ids`` streaming on some node."""

    late: dict[str, object] = {}

    def streaming() -> bool:
        cameras = replica.request("GET", "/api/cameras").json()
        states = {
            c["id"]: (c["state"], c["node"], (c.get("health") or {}).get("last_error"))
            for c in cameras
        }
        late.clear()
        for i in camera_ids:
            state = states.get(i, ("", None, None))
            if not (state[0] == "streaming" and state[1]):
                late[i] = state
        return not late

    try:
        wait_until(streaming, timeout_s, step_s=0.2)
    except pytest.fail.Exception as failure:  # say which cameras, in what state and where
        raise AssertionError(f"{failure}; not streaming: {late}") from None


def get_ok(url: str, timeout_s: float) -> httpx.Response:
    """GET ``url`` until it answers 200."""
    answers: list[httpx.Response] = []

    def ok() -> bool:
        answers.append(httpx.get(url, timeout=scaled(30)))
        return answers[-1].status_code == 200

    wait_until(ok, timeout_s, step_s=0.2)
    return answers[-1]

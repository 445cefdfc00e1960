"""API replicas in cluster mode (``cluster.replica``): two ``serve --cluster`` processes on one
local Ray cluster and one PostgreSQL share the cameras, and every live path of a camera that
runs on a worker node (snapshot, MJPEG, WebSocket track feed, SSE event feed) works through a
replica that does not run it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from websockets.sync.client import connect

from tests.api.live import read_sse
from tests.media import write_moving_square_clip
from tests.servers.cluster_api import api_replicas, camera_json, get_ok, wait_streaming
from tests.servers.ray_cluster import local_ray_cluster
from tests.servers.trackcast_server import TrackcastServer
from tests.storage.conftest import PostgresServer
from tests.waiting import scaled, wait_until

JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"


def _first_mjpeg_frame(replica: TrackcastServer, camera_id: str) -> bytes:
    """The first JPEG of the camera's MJPEG stream."""
    body = b""
    url = f"{replica.url}/api/cameras/{camera_id}/mjpeg"
    with httpx.stream("GET", url, timeout=scaled(60)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/x-mixed-replace")
        for chunk in response.iter_bytes():
            body += chunk
            start = body.find(JPEG_START)
            if start >= 0 and (end := body.find(JPEG_END, start)) >= 0:
                return body[start : end + 2]
    raise AssertionError("the MJPEG stream ended before a whole frame")


def _tracked_frame(replica: TrackcastServer, camera_id: str) -> dict[str, object]:
    """The first WebSocket track-feed message that tracks the square."""
    with connect(f"{replica.ws_url}/api/cameras/{camera_id}/tracks/ws") as feed:
        for _ in range(200):
            message: dict[str, object] = json.loads(feed.recv(timeout=scaled(60)))
            if message["tracks"]:
                return message
    raise AssertionError("no tracked square in 200 frames")


PASSWORD = "s3cret-camera-password"


def _actor_logs(folder: Path) -> str:
    return "\n".join(path.read_text(errors="replace") for path in folder.glob("worker-*"))


def test_two_replicas_share_cameras_and_serve_their_live_paths(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    clip = tmp_path / "square.mp4"
    write_moving_square_clip(clip, frames=30)
    middle = {"name": "middle", "points": [[0.5, 0.0], [0.5, 1.0]], "coordinates": "normalized"}
    camera = {"id": "square", "url": str(clip), "loop": True, "realtime": True, "lines": [middle]}
    with (
        local_ray_cluster(workers=2, cameras_per_worker=4) as cluster,
        api_replicas(postgres, tmp_path, cluster.address, 2) as (one, two),
    ):
        assert one.request("POST", "/api/cameras", json=camera).status_code == 201
        wait_streaming(two, ["square"], 180)
        assert camera_json(two, "square")["node"] in {cluster.node_id(w) for w in cluster.workers}
        assert two.request("POST", "/api/cameras", json=camera).status_code == 409

        snapshot = get_ok(f"{two.url}/api/cameras/square/snapshot.jpg", 60)
        assert snapshot.headers["content-type"] == "image/jpeg"
        assert snapshot.content.startswith(JPEG_START)
        assert _first_mjpeg_frame(two, "square").startswith(JPEG_START)
        frame = _tracked_frame(two, "square")
        assert frame["camera_id"] == "square" and (frame["width"], frame["height"]) == (320, 240)
        live = two.request("GET", "/api/cameras/square/analytics")
        assert live.status_code == 200 and [line["name"] for line in live.json()["lines"]] == [
            "middle"
        ]
        heatmap = get_ok(f"{two.url}/api/cameras/square/heatmap.png", 60)
        assert heatmap.content.startswith(b"\x89PNG")
        events = read_sse(f"{two.url}/api/events/stream?after=0", 1, 120)
        assert events[0].data["camera_id"] == "square"

        assert two.request("DELETE", "/api/cameras/square").status_code == 204
        assert one.request("GET", "/api/cameras/square").status_code == 404
        assert one.request("GET", "/api/cameras").json() == []

        # the actors log as serve does (the config's level: INFO), their cameras' secrets hidden
        locked = {"id": "locked", "url": f"rtsp://viewer:{PASSWORD}@127.0.0.1:9/stream"}
        assert one.request("POST", "/api/cameras", json=locked).status_code == 201
        logs = Path(cluster.cluster.head_node.get_session_dir_path()) / "logs"
        wait_until(lambda: "camera locked added" in _actor_logs(logs), 60)
        assert PASSWORD not in _actor_logs(logs)
        assert one.request("DELETE", "/api/cameras/locked").status_code == 204

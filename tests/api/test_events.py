"""Events end to end inside one process: a looping file camera, real SQLite storage, a real
uvicorn server; REST with filters and cursors, thumbnails, and resumable SSE/WebSocket feeds."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from websockets.sync.client import connect

from api.app import create_app
from config import AppConfig
from service import Service, build_service
from tests.api.live import read_sse
from tests.blob_detector import BrightBlobDetector
from tests.servers.api_server import ApiServer
from tests.sources import local_sources
from tests.waiting import wait_until


@pytest.fixture(scope="module")
def server(
    square_clip: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ApiServer, Service]]:
    """Camera ``sq`` loops a square moving across the frame: every 2 s loop the square jumps
    back, its track ends 0.3 s later and a new one starts."""
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path_factory.mktemp("data")),
            "auth": {"open": True},
            "tracker": {"lost_timeout_s": 0.3},
            "storage": {"flush_interval_ms": 50},
            "sources": local_sources(square_clip.parent).model_dump(),
            "cameras": [{"id": "sq", "url": str(square_clip), "loop": True}],
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        yield api, service


def _events(server: ApiServer, **params: Any) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.url}/api/events", params=params, timeout=10)
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def _wait_for_events(server: ApiServer, count: int, timeout_s: float = 30) -> None:
    wait_until(lambda: len(_events(server, limit=1000)) >= count, timeout_s, step_s=0.2)


def test_track_events_are_stored_and_filterable(server: tuple[ApiServer, Service]) -> None:
    api, _ = server
    _wait_for_events(api, 4)
    events = _events(api, limit=1000)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert {e["type"] for e in events} == {"track.started", "track.ended"}
    assert all(e["camera_id"] == "sq" and e["class_name"] == "square" for e in events)
    ended = _events(api, type="track.ended")
    assert ended and all(e["type"] == "track.ended" for e in ended)
    first = ended[0]
    assert first["data"]["frames"] >= 5 and first["data"]["duration_s"] > 0.4
    assert first["data"]["first_box"][0] < first["data"]["last_box"][0]  # it moved right
    assert _events(api, camera="elsewhere") == []
    assert _events(api, since=events[-1]["time"] + 1000) == []
    assert _events(api, until=events[0]["time"]) == []


def test_cursor_pagination_walks_every_event_once(server: tuple[ApiServer, Service]) -> None:
    api, _ = server
    _wait_for_events(api, 4)
    everything = _events(api, limit=1000)
    walked: list[int] = []
    after = None
    while True:
        params = {"limit": 1} if after is None else {"limit": 1, "after": after}
        page = httpx.get(f"{api.url}/api/events", params=params, timeout=10).json()
        walked += [e["seq"] for e in page["events"]]
        after = page["next_after"]
        if after is None or len(walked) >= len(everything):
            break
    assert walked == [e["seq"] for e in everything][: len(walked)]
    assert len(walked) >= len(everything)


def test_newest_first_pages_walk_back_from_a_snapshot_without_gaps(
    server: tuple[ApiServer, Service],
) -> None:
    api, _ = server
    _wait_for_events(api, 4)
    everything = [e["seq"] for e in _events(api, limit=1000)]
    top = everything[-1] + 1  # events stored while walking must not shift the pages
    walked: list[int] = []
    before: int | None = top
    while before is not None:
        params: dict[str, int | str] = {"limit": 2, "order": "desc", "before": before}
        page = httpx.get(f"{api.url}/api/events", params=params, timeout=10).json()
        assert page["next_after"] is None
        walked += [e["seq"] for e in page["events"]]
        before = page["next_before"]
    assert walked == everything[::-1]
    newest = _events(api, order="desc", limit=1)[0]["seq"]
    assert newest >= everything[-1]
    ascending = httpx.get(f"{api.url}/api/events", params={"limit": 1}, timeout=10).json()
    assert ascending["next_before"] is None and ascending["next_after"] is not None


def test_event_by_id_and_its_thumbnail(server: tuple[ApiServer, Service]) -> None:
    api, _ = server
    _wait_for_events(api, 1)
    event = _events(api, limit=1)[0]
    fetched = httpx.get(f"{api.url}/api/events/{event['id']}", timeout=10).json()
    assert fetched == event
    thumbnail = httpx.get(f"{api.url}{event['thumbnail']}", timeout=10)
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.content[:2] == b"\xff\xd8"
    assert httpx.get(f"{api.url}/api/events/nope", timeout=10).status_code == 404


def test_sse_resumes_from_last_event_id_without_gaps(server: tuple[ApiServer, Service]) -> None:
    api, _ = server
    first = read_sse(f"{api.url}/api/events/stream?after=0", count=2, timeout_s=30)
    assert [m.event for m in first] == [m.data["type"] for m in first]
    last = int(first[-1].id or 0)
    _wait_for_events(api, len(_events(api, limit=1000)) + 2)  # events happen while away
    missed = [e["seq"] for e in _events(api, after=last, limit=1000)]
    resumed = read_sse(
        f"{api.url}/api/events/stream",
        count=len(missed) + 1,  # everything missed, then one live event
        timeout_s=30,
        headers={"Last-Event-ID": str(last)},
    )
    seqs = [int(m.id or 0) for m in resumed]
    assert seqs[: len(missed)] == missed
    assert seqs == sorted(set(seqs)) and seqs[0] == last + 1


def test_websocket_feed_backlog_then_live(server: tuple[ApiServer, Service]) -> None:
    api, _ = server
    _wait_for_events(api, 2)
    stored = [e["seq"] for e in _events(api, limit=1000)]
    with connect(f"{api.ws_url}/api/events/ws?after=0&type=track.started", open_timeout=10) as ws:
        got = [json.loads(ws.recv(timeout=30)) for _ in range(len(stored) // 2 + 1)]
    started = [e["seq"] for e in _events(api, type="track.started", limit=1000)]
    assert [e["seq"] for e in got] == started[: len(got)]
    assert all(e["type"] == "track.started" for e in got)


def test_tracks_websocket_and_sse_carry_every_frames_tracks(
    server: tuple[ApiServer, Service],
) -> None:
    api, _ = server
    with connect(f"{api.ws_url}/api/cameras/sq/tracks/ws", open_timeout=10) as ws:
        frames = [json.loads(ws.recv(timeout=10)) for _ in range(10)]
    indexes = [f["index"] for f in frames]
    assert indexes == sorted(indexes)
    with_tracks = [f for f in frames if f["tracks"]]
    assert len(with_tracks) >= 5
    track = with_tracks[0]["tracks"][0]
    assert track["class_name"] == "square" and track["track_id"] >= 1 and len(track["box"]) == 4
    sse = read_sse(f"{api.url}/api/cameras/sq/tracks/stream", count=3, timeout_s=10)
    assert [m.event for m in sse] == ["frame"] * 3 and sse[0].data["camera_id"] == "sq"


def test_a_stalled_tracks_client_skips_frames_and_slows_nothing(
    server: tuple[ApiServer, Service],
) -> None:
    api, service = server
    with connect(f"{api.ws_url}/api/cameras/sq/tracks/ws", open_timeout=10) as ws:
        before = service.runtime.status("sq").frames_analysed
        time.sleep(3)  # the client reads nothing meanwhile
        analysed = service.runtime.status("sq").frames_analysed - before
        first = json.loads(ws.recv(timeout=10))
        later = [json.loads(ws.recv(timeout=10)) for _ in range(3)]
    assert analysed >= 24  # 10 fps camera, 3 s
    gaps = [b["index"] - a["index"] for a, b in zip([first, *later], later, strict=False)]
    assert gaps and all(g >= 1 for g in gaps)


def test_unknown_cameras_have_no_feeds(server: tuple[ApiServer, Service]) -> None:
    api, _ = server
    assert httpx.get(f"{api.url}/api/cameras/nope/tracks/stream", timeout=10).status_code == 404
    assert httpx.get(f"{api.url}/api/cameras/nope/tracks", timeout=10).status_code == 404
    assert httpx.get(f"{api.url}/api/cameras/nope/snapshot.jpg", timeout=10).status_code == 404


def test_active_tracks_history_snapshot_and_metrics(server: tuple[ApiServer, Service]) -> None:
    api, _ = server
    wait_until(lambda: bool(httpx.get(f"{api.url}/api/cameras/sq/tracks", timeout=10).json()), 10)
    active = httpx.get(f"{api.url}/api/cameras/sq/tracks", timeout=10).json()
    assert active[0]["class_name"] == "square" and active[0]["camera_id"] == "sq"
    # history lists ended tracks: the square's next track may start before the last one ends
    wait_until(lambda: bool(_events(api, type="track.ended")), 30, step_s=0.2)
    history = httpx.get(f"{api.url}/api/tracks", params={"camera": "sq"}, timeout=10).json()
    assert history and all(t["last_seen"] >= t["first_seen"] for t in history)

    with_overlay = httpx.get(f"{api.url}/api/cameras/sq/snapshot.jpg", timeout=10)
    plain = httpx.get(f"{api.url}/api/cameras/sq/snapshot.jpg?overlay=false", timeout=10)
    assert with_overlay.headers["content-type"] == "image/jpeg"
    assert with_overlay.content[:2] == plain.content[:2] == b"\xff\xd8"

    # a looping file reconnects for an instant at each wrap: wait for a scrape while it streams
    up = 'trackcast_camera_up{camera="sq"} 1.0'
    wait_until(lambda: up in httpx.get(f"{api.url}/metrics", timeout=10).text, 10, step_s=0.05)
    metrics = httpx.get(f"{api.url}/metrics", timeout=10).text
    assert 'trackcast_detector_latency_seconds_count{worker="detector-0"}' in metrics
    ring_bytes = next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith('trackcast_camera_clip_ring_bytes{camera="sq"}')
    )
    assert 0 < ring_bytes <= 64 * 1024 * 1024  # the clip ring's default cap
    stored = next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("trackcast_events_stored_total")
    )
    assert stored >= 2


def test_an_events_clip_is_served_with_range_requests(
    server: tuple[ApiServer, Service], tmp_path: Path
) -> None:
    api, _ = server
    # written once post_capture_s (5 s by default) has passed; the looping file empties its
    # ring at each wrap, so a clip due in that instant may fail: any ready one will do
    urls: list[str] = []

    def some_clip_ready() -> bool:
        urls[:] = [
            f"{api.url}/api/events/{event['id']}/clip.mp4"
            for event in _events(api, type="track.started")
        ]
        return any(httpx.get(url, timeout=10).status_code == 200 for url in urls)

    wait_until(some_clip_ready, 30, step_s=0.5)
    url = next(url for url in urls if httpx.get(url, timeout=10).status_code == 200)
    whole = httpx.get(url, timeout=10)
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    part = httpx.get(url, headers={"Range": "bytes=0-99"}, timeout=10)
    assert part.status_code == 206 and part.content == whole.content[:100]
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(whole.content)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = sum(1 for _ in container.decode(stream))
    assert frames >= 1
    missing = httpx.get(f"{api.url}/api/events/{'0' * 32}/clip.mp4", timeout=10)
    assert missing.status_code == 404

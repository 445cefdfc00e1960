"""An event clip's life through the whole service on a real RTSP camera: ``pending`` in the live
feed, ``ready`` in the event once written, ``expired`` (410) after clip retention, ``failed`` with
the reason on a disk that is really full (a small tmpfs) while events keep flowing, and settled on
a restart rather than left pending."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

from api.app import create_app
from config import AppConfig
from events import ClipState, Event
from runtime.clip_recorder import STOPPED_BEFORE_WRITTEN
from service import build_service
from storage import EventQuery, EventStore, default_url, open_database
from storage.clips import NOT_WRITTEN_BEFORE_STOP, ClipFiles
from tests.api.live import read_sse
from tests.blob_detector import BrightBlobDetector
from tests.restream.browser import CHROMIUM, CHROMIUM_FLAGS, require_chromium
from tests.servers.api_server import ApiServer
from tests.servers.rtsp import RtspCamera
from tests.service.conftest import SQUARE_FPS, door_config
from tests.small_tmpfs import resize_tmpfs, small_tmpfs
from tests.waiting import wait_until

FPS = SQUARE_FPS
PRE_S, POST_S = 1.0, 0.5
STARTED = {"box": [0.0, 0.0, 10.0, 10.0], "confidence": 0.9}


def _config(tmp_path: Path, camera: RtspCamera, **clips: Any) -> AppConfig:
    window = {"pre_capture_s": PRE_S, "post_capture_s": POST_S}
    return door_config(tmp_path, camera.url, clips=window | clips)


def _events(api: ApiServer) -> list[dict[str, Any]]:
    answer = httpx.get(f"{api.url}/api/events", params={"limit": 1000}, timeout=30)
    answer.raise_for_status()
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def _with_clip(api: ApiServer, state: ClipState) -> list[dict[str, Any]]:
    return [e for e in _events(api) if e["clip"] and e["clip"]["state"] == state]


def _disk_full(api: ApiServer) -> list[dict[str, Any]]:
    failed = _with_clip(api, ClipState.FAILED)
    return [e for e in failed if "No space left on device" in e["clip"]["reason"]]


def test_a_clip_is_pending_in_the_feed_then_ready_in_the_event(
    square_camera: RtspCamera, tmp_path: Path
) -> None:
    service = build_service(
        _config(tmp_path, square_camera), detector_factory=lambda _: BrightBlobDetector()
    )
    with ApiServer(create_app(service)) as api:
        [live] = read_sse(f"{api.url}/api/events/stream?type=line.crossed", 1, timeout_s=60)
        assert live.data["clip"] == {"state": "pending", "url": None, "reason": None}
        event_url = f"{api.url}/api/events/{live.data['id']}"

        def settled() -> bool:
            clip = httpx.get(event_url, timeout=30).json()["clip"]
            return bool(clip["state"] != "pending")

        wait_until(settled, timeout_s=30, step_s=0.2)
        event = httpx.get(event_url, timeout=30).json()
        clip = event["clip"]
        if clip["state"] == "failed":  # the first seconds: the ring may not hold the clip yet
            assert clip["reason"] and clip["url"] is None
            wait_until(lambda: bool(_with_clip(api, ClipState.READY)), 60, step_s=0.2)
            event = _with_clip(api, ClipState.READY)[0]
            clip = event["clip"]
        assert clip == {"state": "ready", "url": f"/api/events/{event['id']}/clip.mp4",
                        "reason": None}  # fmt: skip
        video = httpx.get(f"{api.url}{clip['url']}", timeout=30)
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        assert (tmp_path / "data" / "clips" / "door" / f"{event['id']}.mp4").is_file()
        health = httpx.get(f"{api.url}/api/cameras/door", timeout=30).json()["health"]
        assert health["clips"]["written"] >= 1 and health["clips"]["error"] is None


def test_clip_retention_expires_clips_and_the_endpoint_says_gone(
    square_camera: RtspCamera, tmp_path: Path
) -> None:
    config = _config(tmp_path, square_camera, retention_days=2 / 86_400)  # 2 s
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        wait_until(lambda: bool(_with_clip(api, ClipState.EXPIRED)), timeout_s=60, step_s=0.2)
        event = _with_clip(api, ClipState.EXPIRED)[0]
        assert event["clip"]["url"] is None
        assert "clips.retention_days" in event["clip"]["reason"]
        gone = httpx.get(f"{api.url}/api/events/{event['id']}/clip.mp4", timeout=30)
        assert gone.status_code == 410, gone.text
        assert "expired: retention" in gone.json()["detail"]
        assert not (tmp_path / "data" / "clips" / "door" / f"{event['id']}.mp4").exists()


def test_a_full_disk_fails_clips_with_the_reason_while_events_flow(
    square_camera: RtspCamera, tmp_path: Path
) -> None:
    clips_dir = tmp_path / "data" / "clips"
    with small_tmpfs(clips_dir, "4k"):
        config = _config(tmp_path, square_camera)
        service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
        with ApiServer(create_app(service)) as api:
            wait_until(lambda: bool(_disk_full(api)), timeout_s=60, step_s=0.2)
            event = _disk_full(api)[0]
            answer = httpx.get(f"{api.url}/api/events/{event['id']}/clip.mp4", timeout=30)
            assert answer.status_code == 404
            assert "No space left on device" in answer.json()["detail"]
            camera = httpx.get(f"{api.url}/api/cameras/door", timeout=30).json()
            assert camera["state"] == "streaming"
            assert "No space left on device" in camera["health"]["clips"]["error"]
            assert camera["health"]["clips"]["failing_since"] is not None
            metrics = httpx.get(f"{api.url}/metrics", timeout=30).text
            assert 'trackcast_camera_clips_total{camera="door",outcome="failed"}' in metrics
            # nothing else is lost: events and their thumbnails keep coming, no partial file
            seen = len(_events(api))
            wait_until(lambda: len(_events(api)) >= seen + 3, timeout_s=60, step_s=0.2)
            thumbnail = httpx.get(f"{api.url}{_events(api)[-1]['thumbnail']}", timeout=30)
            assert thumbnail.status_code == 200
            assert not list(clips_dir.rglob("*.part"))

            resize_tmpfs(clips_dir, "64m")  # room again: the next clips are written
            last = _events(api)[-1]["seq"]
            wait_until(
                lambda: any(e["seq"] > last for e in _with_clip(api, ClipState.READY)), 60, 0.2
            )
            health = httpx.get(f"{api.url}/api/cameras/door", timeout=30).json()["health"]
            assert health["clips"]["error"] is None and health["clips"]["failed"] >= 1


def test_a_restart_leaves_no_clip_pending(square_camera: RtspCamera, tmp_path: Path) -> None:
    config = _config(tmp_path, square_camera, post_capture_s=60.0, max_ring_s=120.0)
    first = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(first)) as api:
        wait_until(lambda: bool(_with_clip(api, ClipState.PENDING)), timeout_s=60, step_s=0.2)
    # stopped before post_capture_s passed: those clips failed, with the reason
    engine = open_database(default_url(tmp_path / "data"))
    try:
        store = EventStore(engine)
        stopped = [s.clip for s in store.query(EventQuery(limit=1000)) if s.clip is not None]
        assert stopped
        assert all(c.state is ClipState.FAILED for c in stopped), stopped
        assert all(c.reason == STOPPED_BEFORE_WRITTEN for c in stopped), stopped
        # a run that died before settling its clips (killed, power cut): pending in the database
        store.keep_clips(lambda _: True)
        written, lost = store.insert(
            [
                (Event(type="track.started", camera_id="door", time=t, data=STARTED), None)
                for t in (time.time() - 100, time.time() - 99)
            ]
        )
        on_disk = ClipFiles(tmp_path / "data" / "clips").path(f"door/{written.event.id}.mp4")
        on_disk.parent.mkdir(parents=True, exist_ok=True)
        on_disk.write_bytes((tmp_path / "square30.mp4").read_bytes())
    finally:
        engine.dispose()

    second = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(second)) as api:
        ready = httpx.get(f"{api.url}/api/events/{written.event.id}", timeout=30).json()["clip"]
        assert ready["state"] == "ready"
        assert httpx.get(f"{api.url}{ready['url']}", timeout=30).status_code == 200
        failed = httpx.get(f"{api.url}/api/events/{lost.event.id}", timeout=30).json()["clip"]
        assert failed == {"state": "failed", "url": None, "reason": NOT_WRITTEN_BEFORE_STOP}
        pending = _with_clip(api, ClipState.PENDING)
        if pending:  # this run's own: 404 with Retry-After until post_capture_s has passed
            answer = httpx.get(f"{api.url}/api/events/{pending[0]['id']}/clip.mp4", timeout=30)
            assert answer.status_code == 404 and "pending" in answer.json()["detail"]
            assert 1 <= int(answer.headers["retry-after"]) <= 62


PLAY = """async () => {
  const video = document.querySelector("video");
  const until = (check) => new Promise((resolve, reject) => {
    const started = performance.now();
    const poll = () => {
      if (video.error) reject(new Error("video error " + video.error.code));
      else if (check()) resolve();
      else if (performance.now() - started > 30000) reject(new Error("timed out"));
      else setTimeout(poll, 50);
    };
    poll();
  });
  await until(() => video.readyState >= 2 && Number.isFinite(video.duration));
  await video.play();
  const first = video.currentTime;
  await until(() => video.currentTime > first + 0.3);
  return {
    readyState: video.readyState, duration: video.duration, first, later: video.currentTime,
    width: video.videoWidth, height: video.videoHeight,
  };
}"""


def test_an_event_clip_plays_in_chromium_with_range_requests(
    square_camera: RtspCamera, tmp_path: Path
) -> None:
    require_chromium()
    service = build_service(
        _config(tmp_path, square_camera), detector_factory=lambda _: BrightBlobDetector()
    )
    with ApiServer(create_app(service)) as api:
        complete: list[dict[str, Any]] = []

        def a_complete_clip() -> bool:  # one that starts pre_capture_s before its event
            complete[:] = [
                e for e in _with_clip(api, ClipState.READY)
                if (status := service.runtime.clip_status("door", e["id"])) and status.complete
            ]  # fmt: skip
            return bool(complete)

        wait_until(a_complete_clip, timeout_s=60, step_s=0.2)
        event = complete[0]
        written = service.runtime.clip_status("door", event["id"])
        assert written is not None and written.clip is not None
        # what it spans: from the first packet's arrival to the last one's, plus one frame
        expected_s = written.clip.end - written.clip.start + 1 / FPS
        statuses: list[int] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page()
                page.on(
                    "response",
                    lambda r: statuses.append(r.status) if "clip.mp4" in r.url else None,
                )
                page.goto(f"{api.url}/viewer/viewer.css")  # the service's origin
                page.set_content(f'<video muted preload="auto" src="{event["clip"]["url"]}">')
                played = page.evaluate(PLAY)
            finally:
                browser.close()
    assert played["readyState"] >= 2
    assert (played["width"], played["height"]) == (320, 240)
    assert played["duration"] >= PRE_S + POST_S - 0.2, played
    assert abs(played["duration"] - expected_s) <= 0.3, (played, expected_s)
    assert played["later"] > played["first"]
    assert 206 in statuses, statuses  # the browser asked for byte ranges and got them

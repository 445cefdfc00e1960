"""The viewer page in real headless Chromium, playing a camera over WHEP.

Chromium and the API server share a loopback-only network namespace (see tests/restream/browser).
Chromium gathers its loopback candidate only after a media permission, so each page first calls
``getUserMedia`` on Chromium's fake camera (a test-only step: on a real network the default
interface is used).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from restream import RestreamHub
from tests.restream.browser import chromium_serving, loopback_namespace, require_chromium
from tests.restream.conftest import CAMERA, make_app
from tests.servers.api_server import ApiServer
from tests.waiting import scaled

GRANT_MEDIA = """async () => {
  const stream = await navigator.mediaDevices.getUserMedia({video: true});
  stream.getTracks().forEach((t) => t.stop());
}"""
INBOUND_FRAMES = """async () => {
  let decoded = null;
  (await trackcastViewer.pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") decoded = s.framesDecoded;
  });
  return decoded;
}"""
# Per displayed frame: the white square's box in the video frame, and the box drawn on the
# overlay canvas (outer edge of its 2 px stroke), both in video pixels.
MEASURE = """() => {
  window.gaps = [];
  const scratch = document.createElement("canvas");
  const bbox = (data, w, h, hit) => {
    let x1 = w, y1 = h, x2 = -1, y2 = -1;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      if (hit(data, (y * w + x) * 4)) { x1 = Math.min(x1, x); y1 = Math.min(y1, y);
        x2 = Math.max(x2, x); y2 = Math.max(y2, y); }
    }
    return x2 < 0 ? null : [x1, y1, x2 + 1, y2 + 1];
  };
  trackcastViewer.onDrawn = (metadata, message) => {
    if (!message || !message.tracks.length) return;
    const video = document.getElementById("video");
    const w = video.videoWidth, h = video.videoHeight;
    scratch.width = w; scratch.height = h;
    const g = scratch.getContext("2d", {willReadFrequently: true});
    g.drawImage(video, 0, 0, w, h);
    const square = bbox(g.getImageData(0, 0, w, h).data, w, h,
      (d, i) => d[i] + d[i + 1] + d[i + 2] > 3 * 128);
    const overlay = document.getElementById("overlay");
    const drawn = bbox(overlay.getContext("2d").getImageData(0, 0, w, h).data, w, h,
      (d, i) => d[i + 3] > 128);
    if (!square || !drawn) return;
    // the stroke's outer edge lies 1 px outside the box
    const box = [drawn[0] + 1, drawn[1] + 1, drawn[2] - 1, drawn[3] - 1];
    window.gaps.push(Math.max(...box.map((v, k) => Math.abs(v - square[k]))));
  };
}"""


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, long_square_clip: Path
) -> Iterator[tuple[ApiServer, FastAPI, Browser]]:
    require_chromium()
    work = tmp_path_factory.mktemp("viewer")
    with loopback_namespace() as namespace:
        app, _ = make_app(work / "data", long_square_clip)
        with chromium_serving(app, namespace, work) as (server, browser):
            yield server, app, browser
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("trackcast")]
    assert leftovers == []


@pytest.fixture
def page(live: tuple[ApiServer, FastAPI, Browser]) -> Iterator[Page]:
    server, _, browser = live
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/viewer/")
        page.evaluate(GRANT_MEDIA)
        page.wait_for_selector(f"button.camera[data-camera={CAMERA}]")
        yield page
    finally:
        page.close()


def _viewer(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        "({...trackcastViewer, pc: undefined, lastMessage: undefined, onDrawn: undefined})"
    )
    return result


def test_the_page_plays_a_camera_with_fps_and_delay(page: Page, tmp_path: Path) -> None:
    page.click(f"button.camera[data-camera={CAMERA}]")
    page.wait_for_function("trackcastViewer.framesMatched >= 15", timeout=scaled(15_000))
    state = _viewer(page)
    assert state["mode"] == "webrtc"
    assert state["firstFrameMs"] < scaled(5000)
    decoded = page.evaluate(INBOUND_FRAMES)
    time.sleep(1.0)
    assert page.evaluate(INBOUND_FRAMES) >= decoded + 5  # the 10 fps camera keeps playing
    assert float(page.inner_text("#fps")) > 5
    assert re.fullmatch(r"\d+ ms", page.inner_text("#delay"))
    assert page.inner_text("#tracks") == "1"
    page.screenshot(path=tmp_path / "viewer.png")
    print(
        f"viewer: first frame {state['firstFrameMs']:.0f} ms, {_viewer(page)['fps']:.1f} fps, "
        f"delay {page.inner_text('#delay')}; screenshot {tmp_path / 'viewer.png'}"
    )


def _gaps(page: Page, shift: int, samples: int = 20) -> list[float]:
    page.evaluate(f"trackcastViewer.shiftFrames = {shift}")
    page.evaluate(MEASURE)
    page.wait_for_function(f"window.gaps.length >= {samples}", timeout=scaled(15_000))
    gaps: list[float] = page.evaluate("window.gaps")
    return gaps


def test_boxes_are_drawn_on_the_frame_they_belong_to(page: Page, tmp_path: Path) -> None:
    page.click(f"button.camera[data-camera={CAMERA}]")
    for toggle in ("#show-labels", "#show-trails", "#show-zones"):
        page.uncheck(toggle)
    page.wait_for_function("trackcastViewer.framesMatched >= 5", timeout=scaled(15_000))
    aligned = _gaps(page, shift=0)
    page.screenshot(path=tmp_path / "aligned.png")
    assert sum(g <= 3 for g in aligned) >= 0.9 * len(aligned), aligned
    # the same check, fed the previous frame's tracks, must see the 8 px step of the square
    shifted = _gaps(page, shift=1)
    page.screenshot(path=tmp_path / "shifted-by-one-frame.png")
    assert sum(g <= 3 for g in shifted) <= 0.2 * len(shifted), shifted
    print(f"overlay gaps (px): aligned {sorted(aligned)}, shifted by one frame {sorted(shifted)}")


def test_opening_and_closing_twenty_viewers_leaves_nothing_behind(
    page: Page, live: tuple[ApiServer, FastAPI, Browser]
) -> None:
    _, app, _ = live
    for _ in range(20):
        page.evaluate(f"trackcastViewer.open({CAMERA!r})")
        page.wait_for_function("trackcastViewer.framesShown >= 1", timeout=scaled(15_000))
        page.evaluate("trackcastViewer.close()")
    hub: RestreamHub = app.state.restream

    def encoders() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name.startswith("trackcast-encode")]

    # a feed leaves the hub first, then its encoder thread ends: wait (bounded) for both
    deadline = time.monotonic() + scaled(5)
    while (
        hub.whep.session_count or hub.whep.feed_count or encoders()
    ) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.whep.session_count == 0
    assert hub.whep.feed_count == 0
    assert encoders() == []
    assert page.evaluate("trackcastViewer.pc") is None

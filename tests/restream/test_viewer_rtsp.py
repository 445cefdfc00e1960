"""The viewer page in headless Chromium plays, over WHEP, a camera fed by a real RTSP server.

The RTSP server, the API server and Chromium all run in one loopback-only network namespace
(see tests/restream/browser.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from api.app import create_app
from config import AppConfig
from restream.ice import IceSettings
from service import build_service
from tests.blob_detector import BrightBlobDetector
from tests.restream.browser import (
    chromium_serving,
    in_namespace,
    loopback_namespace,
    require_chromium,
)
from tests.restream.test_viewer_browser import GRANT_MEDIA, INBOUND_FRAMES
from tests.servers.rtsp import RtspCamera
from tests.waiting import wait_until


def test_the_viewer_plays_a_camera_from_a_real_rtsp_server(
    camera_clip: Path, tmp_path: Path
) -> None:
    require_chromium()
    with loopback_namespace() as namespace:
        rtsp = RtspCamera(camera_clip)
        in_namespace(namespace, rtsp.start)
        try:
            config = AppConfig.model_validate(
                {
                    "data_dir": str(tmp_path / "data"),
                    "auth": {"open": True},
                    "sources": {"private_networks": True},
                    "cameras": [{"id": "rtsp", "url": rtsp.url}],
                }
            )
            service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
            app = create_app(service)
            app.state.webrtc_ice = IceSettings(("127.0.0.1",))
            with chromium_serving(app, namespace, tmp_path) as (server, browser):
                page = browser.new_page()
                page.goto(f"{server.url}/viewer/")
                page.evaluate(GRANT_MEDIA)
                page.wait_for_selector("button.camera[data-camera=rtsp]", timeout=30_000)
                page.click("button.camera[data-camera=rtsp]")
                page.wait_for_function("trackcastViewer.framesShown >= 10", timeout=30_000)
                decoded = page.evaluate(INBOUND_FRAMES)
                # the video keeps coming (a busy machine may take longer than 10 fps would)
                wait_until(lambda: page.evaluate(INBOUND_FRAMES) >= decoded + 8, timeout_s=30)
                assert float(page.inner_text("#fps")) > 0  # a rate, not a speed target (bench/)
                assert re.fullmatch(r"\d+ ms", page.inner_text("#delay"))
                page.screenshot(path=tmp_path / "viewer-rtsp.png")
        finally:
            rtsp.stop()

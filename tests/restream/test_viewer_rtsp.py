"""The viewer page in headless Chromium plays, over WHEP, a camera fed by a real RTSP server.

The RTSP server, the API server and Chromium all run in one loopback-only network namespace
(see tests/restream/browser.py).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from api.app import create_app
from config import AppConfig
from restream.ice import IceSettings
from service import build_service
from tests.blob_detector import BrightBlobDetector
from tests.restream.browser import (
    CHROMIUM_FLAGS,
    chromium_in,
    in_namespace,
    loopback_namespace,
    require_chromium,
)
from tests.restream.test_viewer_browser import GRANT_MEDIA, INBOUND_FRAMES, MEDIA_FLAGS
from tests.servers.api_server import ApiServer
from tests.servers.rtsp import RtspCamera


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
                    "cameras": [{"id": "rtsp", "url": rtsp.url}],
                }
            )
            service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
            app = create_app(service)
            app.state.webrtc_ice = IceSettings(("127.0.0.1",))
            server = in_namespace(namespace, lambda: ApiServer(app).__enter__())
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=str(chromium_in(namespace, tmp_path)),
                        args=CHROMIUM_FLAGS + MEDIA_FLAGS,
                    )
                    try:
                        page = browser.new_page()
                        page.goto(f"{server.url}/viewer/")
                        page.evaluate(GRANT_MEDIA)
                        page.wait_for_selector("button.camera[data-camera=rtsp]", timeout=30_000)
                        page.click("button.camera[data-camera=rtsp]")
                        page.wait_for_function("trackcastViewer.framesShown >= 10", timeout=30_000)
                        decoded = page.evaluate(INBOUND_FRAMES)
                        time.sleep(1.5)
                        assert page.evaluate(INBOUND_FRAMES) >= decoded + 8  # 10 fps camera
                        assert float(page.inner_text("#fps")) > 5
                        assert re.fullmatch(r"\d+ ms", page.inner_text("#delay"))
                        page.screenshot(path=tmp_path / "viewer-rtsp.png")
                    finally:
                        browser.close()
            finally:
                server.__exit__(None, None, None)
        finally:
            rtsp.stop()

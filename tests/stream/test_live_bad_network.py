"""LiveCamera behind a proxy that delays, jitters and freezes an RTSP-over-TCP connection."""

from __future__ import annotations

import time

from stream.health import CameraState
from stream.live import LiveCamera
from tests.servers.rtsp import RtspCamera
from tests.servers.tcp_proxy import TcpProxy
from tests.stream.live_helpers import start
from tests.waiting import wait_until


def test_delay_and_jitter_slow_nothing_down(
    rtsp_camera: RtspCamera, cameras: list[LiveCamera]
) -> None:
    with TcpProxy(rtsp_camera.port, delay_s=0.04, jitter_s=0.03) as proxy:
        camera = start(cameras, f"rtsp://127.0.0.1:{proxy.port}/cam")
        wait_until(lambda: camera.health().frames_in >= 30, timeout_s=20)
        time.sleep(5.5)  # a full rate window past the first burst
        health = camera.health()
        assert health.state is CameraState.STREAMING and health.fps_in >= 8
        assert camera.stop()


def test_a_frozen_connection_never_blocks_past_the_read_timeout(
    rtsp_camera: RtspCamera, cameras: list[LiveCamera]
) -> None:
    with TcpProxy(rtsp_camera.port) as proxy:
        camera = start(
            cameras, f"rtsp://127.0.0.1:{proxy.port}/cam", stall_timeout_s=3.0, backoff_max_s=1.0
        )
        wait_until(lambda: camera.health().frames_in >= 20, timeout_s=20)
        proxy.stalled.set()
        frozen_at = time.monotonic()
        # The watchdog reports the stall as soon as no frame came for stall_timeout_s ...
        wait_until(lambda: camera.health().state is not CameraState.STREAMING, timeout_s=3.5)
        # ... and the blocked read itself gives up after about twice the read timeout (1.5 s).
        wait_until(
            lambda: any(
                t.state is CameraState.BACKOFF and t.at > frozen_at for t in list(camera.history)
            ),
            timeout_s=6.0,
        )
        before = camera.health().frames_in
        proxy.stalled.clear()
        wait_until(lambda: camera.health().frames_in > before + 5, timeout_s=15)
        assert camera.health().state is CameraState.STREAMING
        assert camera.stop(timeout_s=5)

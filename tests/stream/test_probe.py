"""ReachabilityProbe on real sockets: the GStreamer RTSP server, plain listeners, closed ports."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from stream.policy import SourcePolicy
from stream.probe import ProbeTarget, ReachabilityProbe, probe_target
from tests.servers.rtsp import RtspCamera
from tests.waiting import wait_until


class SilentListener:
    """Accepts TCP connections and never says a word (a port proxy with nothing behind it)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(connection)

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(5)
        for connection in self._held:
            connection.close()


@pytest.fixture
def listener() -> Iterator[SilentListener]:
    server = SilentListener()
    yield server
    server.close()


def _probe(url: str, policy: SourcePolicy | None = None) -> ReachabilityProbe:
    target = probe_target(url)
    assert target is not None
    return ReachabilityProbe(target, policy, threading.Event())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_targets_network_cameras_with_default_ports_and_no_credentials() -> None:
    assert probe_target("rtsp://admin:secret@cam.example/live?x=1") == ProbeTarget(
        "rtsp://admin:secret@cam.example/live?x=1", 554, "rtsp://cam.example:554/live"
    )
    assert probe_target("rtsps://cam.example/a") == ProbeTarget("rtsps://cam.example/a", 322, None)
    assert probe_target("rtmp://[::1]/app").port == 1935  # type: ignore[union-attr]
    assert probe_target("rtsp://[::1]:8554/c").options_uri == "rtsp://[::1]:8554/c"  # type: ignore[union-attr]
    assert probe_target("https://cam.example/v.m3u8").port == 443  # type: ignore[union-attr]
    assert probe_target("http://cam.example:8080/mjpeg").port == 8080  # type: ignore[union-attr]
    for unprobed in ("/srv/video.mp4", "file:/srv/video.mp4", "/dev/video0", "whip:", "udp://x:1"):
        assert probe_target(unprobed) is None, unprobed


def test_the_rtsp_server_answers_and_a_closed_port_does_not(rtsp_camera: RtspCamera) -> None:
    assert _probe(rtsp_camera.url)(0.5)
    assert not _probe(f"rtsp://127.0.0.1:{_closed_port()}/cam")(0.5)


def test_a_tcp_accept_without_rtsp_is_not_an_rtsp_server(listener: SilentListener) -> None:
    """RTSP needs an answer to OPTIONS; the other schemes take the accept alone."""
    assert not _probe(f"rtsp://127.0.0.1:{listener.port}/cam")(0.3)
    assert _probe(f"rtmp://127.0.0.1:{listener.port}/app")(0.3)
    assert _probe(f"http://127.0.0.1:{listener.port}/mjpeg")(0.3)
    wait_until(lambda: listener.accepted == 3, timeout_s=10)  # the kernel accepts first


def test_probes_only_what_the_policy_lets_a_camera_reach(listener: SilentListener) -> None:
    url = f"http://127.0.0.1:{listener.port}/mjpeg"
    assert not _probe(url, SourcePolicy())(0.3)  # loopback is not public
    assert listener.accepted == 0  # refused before connecting
    assert _probe(url, SourcePolicy(private_networks=True))(0.3)
    wait_until(lambda: listener.accepted == 1, timeout_s=10)  # the kernel accepts first


def test_a_stopped_camera_stops_probing(listener: SilentListener) -> None:
    target = probe_target(f"rtsp://127.0.0.1:{listener.port}/cam")
    assert target is not None
    stop = threading.Event()
    stop.set()
    assert not ReachabilityProbe(target, None, stop)(0.5)

"""A live RTSP camera for tests: Debian's GStreamer RTSP server playing an H.264 MP4 in a loop.

Runs under Debian's /usr/bin/python3 (it needs ``gi``), not the project's virtual environment:

    /usr/bin/python3 tests/servers/gst_rtsp_server.py CLIP.mp4 [--port N] [--path /cam]

Prints ``PORT <n>`` once listening. The clip is played in real time into a live ``appsrc`` shared
by every client, and restarts at the end, so clients join a running stream as with a camera.
SPS/PPS are inserted before every IDR by h264parse; the payloader adds none (``config-interval=0``),
which is what FFmpeg clients decode without corruption.
"""

from __future__ import annotations

import argparse
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

CAPS = "video/x-h264,stream-format=byte-stream,alignment=au"


class LoopingPlayer:
    """Plays the clip at its own pace and hands each access unit to the current appsrc."""

    def __init__(self, clip: str, log_push: bool = False) -> None:
        self.log_push = log_push
        self.pipeline = Gst.parse_launch(
            f'filesrc location="{clip}" ! qtdemux ! h264parse config-interval=-1 ! {CAPS} '
            "! appsink name=sink sync=true emit-signals=true max-buffers=4 drop=false"
        )
        self.appsrc: Gst.Element | None = None
        sink = self.pipeline.get_by_name("sink")
        sink.connect("new-sample", self._on_sample)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::eos", self._on_eos)

    def start(self) -> None:
        self.pipeline.set_state(Gst.State.PLAYING)

    def _on_sample(self, sink: Gst.Element) -> Gst.FlowReturn:
        sample = sink.emit("pull-sample")
        if self.appsrc is not None:
            buffer = sample.get_buffer().copy()
            if self.log_push:  # clip position and wall time, for latency measurements
                print(f"PUSH {buffer.pts / Gst.SECOND:.4f} {time.time():.6f}", flush=True)
            buffer.pts = buffer.dts = Gst.CLOCK_TIME_NONE  # appsrc stamps it on arrival
            self.appsrc.emit("push-buffer", buffer)
        return Gst.FlowReturn.OK

    def _on_eos(self, _bus: Gst.Bus, _message: Gst.Message) -> None:
        self.pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--path", default="/cam")
    parser.add_argument("--log-push", action="store_true", help="print each frame's push time")
    args = parser.parse_args()
    Gst.init(None)
    player = LoopingPlayer(args.clip, log_push=args.log_push)

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( appsrc name=src is-live=true do-timestamp=true format=time caps={CAPS} "
        "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=0 )"
    )
    factory.set_shared(True)

    def on_configure(
        _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia
    ) -> None:
        player.appsrc = media.get_element().get_by_name("src")

    factory.connect("media-configure", on_configure)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    server.get_mount_points().add_factory(args.path, factory)
    server.attach(None)
    player.start()
    print(f"PORT {server.get_bound_port()}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()

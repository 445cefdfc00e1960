"""What continuous recording costs: the decoding thread's share (handing a packet to the
recorder's queue) and the recorder's own (writing segments), and building a camera clip.

vtest.avi (768x576) is re-encoded once to H.264 with a 1 s GOP (30 s at 10 fps), its packets
stamped 0.1 s apart; they go through a ring tapped by a :class:`runtime.recorder.Recorder` with
10 s segments, then a 25 s stretch is stitched from those segments with
:class:`runtime.camera_clips.CameraClips`. Best of three each.

    PYTHONPATH=$PWD .venv/bin/python -m bench.recording      # prints JSON
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import av

from runtime.camera_clips import CameraClips
from runtime.recorder import Recorder, RecordingSettings
from stream.packet_ring import EncodedPacket, PacketRing, RingLimits, StreamTemplate
from stream.segments import SegmentFile, list_segments
from stream.source import encoded
from tests.servers.rtsp import encode_camera_clip

ROOT = Path(__file__).resolve().parent.parent
FRAMES = 300
T0 = 1_700_000_000.0
SETTINGS = RecordingSettings(segment_s=10.0, retain_s=1e9, max_bytes=1 << 40)


def _packets(path: Path) -> tuple[StreamTemplate, list[EncodedPacket]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        template = StreamTemplate.of(stream)
        packets = [encoded(p) for p in container.demux(stream) if p.size]
    return template, [replace(p, at=T0 + i / 10) for i, p in enumerate(packets)]


def _hand_over(template: StreamTemplate, packets: list[EncodedPacket], folder: Path) -> float:
    """Seconds per packet the decoding thread spends on the ring and the recorder's queue."""
    recorder = Recorder("bench", folder, SETTINGS, queue_packets=len(packets) + 10)
    ring = PacketRing(RingLimits(max_seconds=3600, max_bytes=1 << 30))
    ring.restart(template)
    ring.tap(recorder)
    started = time.perf_counter()
    for packet in packets:
        ring.push(packet)
    return (time.perf_counter() - started) / len(packets)


def _write(template: StreamTemplate, packets: list[EncodedPacket], folder: Path) -> float:
    """Seconds per packet the recorder's thread spends writing segments of 10 s."""
    started = time.perf_counter()
    for start in range(0, len(packets), 100):
        chunk = packets[start : start + 100]
        segment = SegmentFile(folder, template, chunk[0])
        for packet in chunk:
            segment.write(packet)
        segment.close()
    return (time.perf_counter() - started) / len(packets)


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        clip = folder / "vtest-gop10.mp4"
        encode_camera_clip(ROOT / "data" / "vtest.avi", clip, frames=FRAMES)
        template, packets = _packets(clip)
        hand_s = min(_hand_over(template, packets, folder / f"q{i}") for i in range(3))
        write_s = []
        for attempt in range(3):
            recordings = folder / f"rec{attempt}" / "cam"
            recordings.mkdir(parents=True)
            write_s.append(_write(template, packets, recordings))
        segments = list_segments(folder / "rec0" / "cam")
        clips = CameraClips(folder / "rec0", folder / "cache")
        stitch_s = []
        for attempt in range(3):
            started = time.perf_counter()
            info = clips.build("cam", None, T0 + 2 + attempt * 0.001, T0 + 27)
            stitch_s.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "packets": len(packets),
                "hand_over_us_per_packet": round(hand_s * 1e6, 1),
                "write_us_per_packet": round(min(write_s) * 1e6, 1),
                "segments": len(segments),
                "segment_bytes": [s.bytes for s in segments],
                "stitch_25s_ms": round(min(stitch_s) * 1000, 1),
                "stitched_packets": info.packets,
                "stitched_bytes": info.bytes,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

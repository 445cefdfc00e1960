"""What keeping a camera's packets for clips costs the decoding thread.

vtest.avi (768x576) is re-encoded once to H.264 with a 1 s GOP, then decoded three times with
:class:`stream.source.VideoSource` (as a live camera decodes) without a ring and three times with
one; the best of each is kept (on a shared machine the difference is within noise, so the
copy and push of each packet are timed alone too). Also times remuxing a 10 s clip from the ring.

    PYTHONPATH=$PWD .venv/bin/python -m bench.packet_ring      # prints JSON
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import av

from stream.clip_writer import write_clip
from stream.packet_ring import PacketRing, RingLimits
from stream.source import VideoSource, encoded
from tests.servers.rtsp import encode_camera_clip

ROOT = Path(__file__).resolve().parent.parent
FRAMES = 300


def _decode(path: Path, ring: PacketRing | None) -> float:
    started = time.perf_counter()
    with VideoSource(str(path), decode_threads=1) as source:
        if ring is not None:
            ring.restart(source.template())
        frames = sum(1 for _ in source.frames(ring=ring))
    assert frames == FRAMES
    return time.perf_counter() - started


def _push_cost(path: Path) -> float:
    """Seconds per packet spent copying it and pushing it into a ring (no decoding)."""
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    ring = PacketRing(RingLimits(max_seconds=3600, max_bytes=1 << 30))
    started = time.perf_counter()
    for packet in packets:
        ring.push(encoded(packet))
    return (time.perf_counter() - started) / len(packets)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "vtest-gop10.mp4"
        encode_camera_clip(ROOT / "data" / "vtest.avi", clip, frames=FRAMES)
        plain = min(_decode(clip, None) for _ in range(3))
        ring = PacketRing(RingLimits(max_seconds=3600, max_bytes=1 << 30))
        with_ring = min(_decode(clip, ring) for _ in range(3))
        push_s = min(_push_cost(clip) for _ in range(3))
        stats = ring.stats()
        packets = ring.slice(0, float("inf"))
        assert packets is not None
        started = time.perf_counter()
        info = write_clip(Path(folder) / "clip.mp4", packets)
        remux_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "frames": FRAMES,
                "decode_ms_per_frame": round(plain / FRAMES * 1000, 3),
                "decode_with_ring_ms_per_frame": round(with_ring / FRAMES * 1000, 3),
                "ring_overhead_ms_per_frame": round((with_ring - plain) / FRAMES * 1000, 3),
                "push_us_per_packet": round(push_s * 1e6, 1),
                "ring_bytes": stats.bytes,
                "remux_packets": info.packets,
                "remux_ms": round(remux_s * 1000, 1),
                "clip_bytes": info.bytes,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

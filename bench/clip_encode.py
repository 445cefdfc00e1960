"""What encoding a camera's published frames for clips costs (cameras that cannot be remuxed, or
are privacy-masked): :class:`stream.clip_encoder.ClipEncoder` as the service runs it.

The first 300 frames of vtest.avi (768x576, 10 fps) are decoded once into memory and, for each
camera size (as is, and resized to 1280x720 and 1920x1080 as an HD camera sends them), offered to
an encoder at ``clips.encode_max_size`` 640 (the default) and 1280, timed by their 10 fps
wall-clock stamps. Reported per frame: the encoder thread's time (shrinking, BGR to YUV and
libx264), and the process CPU time during the run (the encoder is one thread: CPU about equals
its time); the bitrate of the result at 10 fps; and the load average (``uptime``) before and
after, since the machine is shared.

    PYTHONPATH=$PWD .venv/bin/python -m bench.clip_encode      # prints JSON
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from stream.clip_encoder import ClipEncoder, EncoderSettings
from stream.packet_ring import PacketRing, RingLimits
from stream.source import VideoSource

ROOT = Path(__file__).resolve().parent.parent
FRAMES = 300
FPS = 10
SIZES = ((768, 576), (1280, 720), (1920, 1080))
MAX_SIZES = (640, 1280)

Image = npt.NDArray[np.uint8]


def _frames() -> list[Image]:
    with VideoSource(str(ROOT / "data" / "vtest.avi")) as source:
        return [f.image for f, _ in zip(source.frames(), range(FRAMES), strict=False)]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(frames: list[Image], max_size: int) -> dict[str, float | int | str]:
    ring = PacketRing(RingLimits(max_seconds=3600, max_bytes=1 << 30))
    encoder = ClipEncoder("bench", ring, EncoderSettings(max_size=max_size, queue_frames=FRAMES))
    start, cpu = time.time(), _cpu_s()
    encoder.start()
    for index, image in enumerate(frames):
        encoder.offer(image, start + index / FPS)
    while encoder.stats().encoded < len(frames):
        time.sleep(0.01)
    cpu = _cpu_s() - cpu
    assert encoder.stop(10)
    stats, kept = encoder.stats(), ring.stats()
    slice_ = ring.slice(0, float("inf"))
    assert slice_ is not None
    return {
        "encoded_size": f"{slice_.template.width}x{slice_.template.height}",
        "encoder_ms_per_frame": round(stats.encode_seconds / stats.encoded * 1000, 2),
        "cpu_ms_per_frame": round(cpu / stats.encoded * 1000, 2),
        "cpu_share_of_a_core_at_10fps": round(cpu / stats.encoded * FPS, 3),
        "kbit_per_s": round(kept.bytes * 8 / (len(frames) / FPS) / 1000, 1),
        "keyframes": kept.gops,
        "dropped": stats.dropped,
    }


def main() -> None:
    load_before = os.getloadavg()
    original = _frames()
    results = {}
    for width, height in SIZES:
        frames = [
            o
            if o.shape[:2] == (height, width)
            else np.asarray(cv2.resize(o, (width, height)), dtype=np.uint8)
            for o in original
        ]
        for max_size in MAX_SIZES:
            if max_size <= max(width, height) or max_size == MAX_SIZES[0]:
                results[f"{width}x{height} max {max_size}"] = _run(frames, max_size)
    print(
        json.dumps(
            {
                "frames": len(original),
                "cpus": os.cpu_count(),
                "load_before": [round(v, 2) for v in load_before],
                "load_after": [round(v, 2) for v in os.getloadavg()],
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

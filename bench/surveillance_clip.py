"""A surveillance-like clip made from vtest.avi: people present about a quarter of the time.

vtest.avi shows pedestrians in every frame; a real surveillance camera mostly shows an empty
scene. The clip alternates stretches of the empty walkway (the per-pixel median of frames spread
over the whole video, which removes the passers-by) with 10 s runs of the real footage, so the
motion gate has still stretches to skip and real people to wake for. Each run is followed by
``still_s`` seconds of the empty walkway (30 s for one quarter of people time).

    .venv/bin/python -m bench.surveillance_clip out.mp4 --size 1280x720
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from stream import VideoSource

ROOT = Path(__file__).resolve().parent.parent
Image = npt.NDArray[np.uint8]

RUNS = ((0, 100), (200, 300), (400, 500), (600, 700))
"""Frames of vtest.avi played between the still stretches (10 s each at 10 fps)."""


def empty_scene(frames: list[Image]) -> Image:
    """The median of frames spread over the video: the walkway without its passers-by."""
    return np.asarray(np.median(np.stack(frames), axis=0), dtype=np.uint8)


def build_clip(
    vtest: Path,
    target: Path,
    *,
    size: tuple[int, int] = (1280, 720),
    still_s: float = 30.0,
    runs: tuple[tuple[int, int], ...] = RUNS,
    rotate_s: float = 0.0,
) -> dict[str, float]:
    """Write the clip (H.264, 1 s GOP); ``rotate_s`` starts it that far into its cycle, so that
    several cameras playing rotated copies see people at different times. Returns its layout."""
    with VideoSource(str(vtest)) as source:
        fps = source.info.fps
        frames = [frame.image for frame in source.frames()]
    background = empty_scene(frames[:: max(1, len(frames) // 60)])
    still = round(still_s * fps)
    sequence: list[Image] = []
    for start, end in runs:
        sequence.extend(frames[start:end])
        sequence.extend([background] * still)
    shift = round(rotate_s * fps) % len(sequence)
    sequence = sequence[shift:] + sequence[:shift]
    gop = round(fps)
    with av.open(str(target), mode="w") as writer:
        stream = writer.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {
            "preset": "veryfast",
            "tune": "zerolatency",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
        }
        empty = _resized(background, size)
        for index, image in enumerate(sequence):
            picture = empty if image is background else _resized(image, size)
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            frame.pts = index
            writer.mux(stream.encode(frame))
        writer.mux(stream.encode(None))
    people = sum(end - start for start, end in runs)
    return {
        "frames": len(sequence),
        "fps": fps,
        "seconds": len(sequence) / fps,
        "people_share": people / len(sequence),
    }


def _resized(image: Image, size: tuple[int, int]) -> Image:
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--vtest", type=Path, default=ROOT / "data" / "vtest.avi")
    parser.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT")
    parser.add_argument("--still", type=float, default=30.0, help="seconds of empty scene per run")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    layout = build_clip(args.vtest, args.target, size=(width, height), still_s=args.still)
    print(", ".join(f"{k} {v:.3g}" for k, v in layout.items()))


if __name__ == "__main__":
    main()

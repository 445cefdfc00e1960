"""A folder of short generated clips, and one that is not a video, for batch tests."""

from __future__ import annotations

from pathlib import Path

import av

from runtime import FileJob, JobOptions
from tests.blob_detector import BrightBlobDetector
from tests.media import write_square_clip

CLIPS = 10
FRAMES = 25
"""2.5 s at 10 fps, 160x120: a few seconds of work per clip on a busy 2-core machine."""
CORRUPT = "corrupt.mp4"


def write_batch_folder(folder: Path) -> list[Path]:
    """``CLIPS`` clips of a square crossing at a different height each, and :data:`CORRUPT`;
    returns the clips."""
    clips = []
    for i in range(CLIPS):
        clip = folder / f"clip{i:02d}.mp4"
        positions = [(4 + 4 * j, 8 + 7 * i) for j in range(FRAMES)]
        write_square_clip(clip, positions, width=160, height=120)
        clips.append(clip)
    (folder / CORRUPT).write_bytes(b"this is not a video\n" * 64)
    return clips


def track_alone(clip: Path, out: Path) -> dict[str, bytes]:
    """What ``trackcast track CLIP --mot --jsonl --video`` writes with the blob detector, by
    output suffix (the video as :func:`video_frames` of it)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {".mot.txt": out / "a.mot.txt", ".jsonl": out / "a.jsonl", ".mp4": out / "a.mp4"}
    options = JobOptions(
        source=str(clip), mot=paths[".mot.txt"], jsonl=paths[".jsonl"], video=paths[".mp4"]
    )
    FileJob(options, detector=BrightBlobDetector()).run()
    return {suffix: read_output(path) for suffix, path in paths.items()}


def read_output(path: Path) -> bytes:
    """The bytes of a MOT or JSONL output; of an MP4, its frame count and size.

    libx264 on several threads does not write the same bytes twice on a busy machine, even in
    one process (measured: 3 of 48 runs of one clip differed, one of them in decoded pixels),
    so only the text outputs can be compared byte for byte."""
    if path.suffix != ".mp4":
        return path.read_bytes()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return f"{frames} frames {stream.width}x{stream.height}".encode()

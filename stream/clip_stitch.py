"""Remux several runs of a camera's packets (recorded segments, then the ring) into one MP4.

Each run keeps its own timing; runs are placed one after the other on the clip's timeline at
their wall-clock distance from the first (never overlapping: a run starts at least one tick
after the previous one's last packet). Every run's packets are turned into Annex B with the
run's own parameter sets in front of its first keyframe, so runs from MP4 segments (``avcC``)
and from RTSP (Annex B) mix. All runs must have the same codec and picture size.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from stream.clip_writer import (
    REMUXABLE_CODECS,
    ClipError,
    ClipInfo,
    ClipUnsupportedError,
    H264Framing,
)
from stream.segments import PacketRun


def same_stream(a: PacketRun, b: PacketRun) -> bool:
    """Whether ``b`` can follow ``a`` in one clip."""
    first, second = a.template, b.template
    return (first.codec, first.width, first.height) == (second.codec, second.width, second.height)


def write_runs(path: Path, runs: list[PacketRun]) -> ClipInfo:
    """Write ``runs`` (each starting at a keyframe, in time order) to ``path``, atomically."""
    runs = [run for run in runs if run.packets]
    if not runs:
        raise ClipError("no video to write")
    template = runs[0].template
    if template.codec not in REMUXABLE_CODECS:
        raise ClipUnsupportedError(f"cannot remux {template.codec} video into MP4")
    partial = path.with_name(path.name + ".part")
    try:
        _mux(partial, runs)
        partial.replace(path)
    except (av.error.FFmpegError, ValueError) as error:
        raise ClipError(f"cannot write the clip {path.name}: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return ClipInfo(
        path=path,
        packets=sum(len(run.packets) for run in runs),
        bytes=path.stat().st_size,
        start=runs[0].packets[0].at,
        end=runs[-1].packets[-1].at,
    )


def _mux(path: Path, runs: list[PacketRun]) -> None:
    template = runs[0].template
    base = template.time_base
    origin = runs[0].packets[0].at
    with av.open(
        str(path), mode="w", format="mp4", options={"movflags": "+faststart"}
    ) as container:
        rate = Fraction(template.fps).limit_denominator(1001) if template.fps else None
        stream = container.add_mux_stream(
            template.codec, rate=rate, width=template.width, height=template.height
        )
        stream.time_base = base
        next_free = 0
        for run in runs:
            framing = H264Framing(run.template.extradata)
            scale = run.template.time_base / base
            first = _first_stamp(run)
            start = max(round((run.packets[0].at - origin) / base), next_free)
            for index, encoded in enumerate(run.packets):
                packet = av.Packet(framing.annex_b(encoded.data, with_header=index == 0))
                packet.stream = stream
                packet.time_base = base
                pts = _place(encoded.pts, first, scale, start)
                dts = _place(encoded.dts, first, scale, start)
                packet.pts, packet.dts = pts, dts
                packet.is_keyframe = encoded.keyframe
                container.mux(packet)
                next_free = max(next_free, (dts if dts is not None else pts or 0) + 1)


def _first_stamp(run: PacketRun) -> int:
    first = run.packets[0]
    stamps = [s for s in (first.pts, first.dts) if s is not None]
    return min(stamps) if stamps else 0


def _place(stamp: int | None, first: int, scale: Fraction, start: int) -> int | None:
    return None if stamp is None else start + round((stamp - first) * scale)

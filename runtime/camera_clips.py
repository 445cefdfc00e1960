"""Any stretch of a camera's video, from its recordings and its packet ring, as one MP4.

:meth:`CameraClips.build` takes the recorded segments that overlap the stretch (from the last
keyframe at or before ``since``) and, from where the ring's video begins, the ring's packets,
and remuxes them into one MP4 (see :mod:`stream.clip_stitch`). A stretch that starts before the
oldest video kept, or ends after the newest, is refused with :class:`ClipUnavailableError`,
which says what is available. Built clips are kept under ``cache_dir`` for
:data:`CACHE_TTL_S` so that the range requests of one player do not build it again; one clip is
built at a time (a clip of an hour of a 4 Mbit/s camera is about 1.8 GB).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from stream.clip_stitch import same_stream, write_runs
from stream.clip_writer import ClipInfo
from stream.packet_ring import EncodedPacket, PacketRing
from stream.segments import PacketRun, Segment, list_segments, read_segment

MAX_SPAN_S = 3600.0
"""The longest stretch one request may ask for."""
END_SLACK_S = 1.0
"""A stretch may end this long after the newest packet kept (the next has not come yet)."""
CACHE_TTL_S = 600.0


class ClipUnavailableError(Exception):
    """The stretch is not (or not wholly) in the recordings or the ring."""


@dataclass(frozen=True, slots=True)
class Available:
    """The oldest and newest video kept for a camera, recordings and ring together."""

    start: float
    end: float


class CameraClips:
    """Builds camera clips from ``recordings_dir/<camera>`` and the camera's ring."""

    def __init__(self, recordings_dir: Path, cache_dir: Path) -> None:
        self.recordings_dir = recordings_dir
        self.cache_dir = cache_dir
        self._build_lock = threading.Lock()
        self._built: dict[Path, ClipInfo] = {}
        """The clips in the cache with their true start (the keyframe at or before ``since``)."""

    def segments(self, camera_id: str) -> list[Segment]:
        return list_segments(self.recordings_dir / camera_id)

    def available(self, camera_id: str, ring: PacketRing | None) -> Available | None:
        segments = self.segments(camera_id)
        starts = [segment.start for segment in segments[:1]]
        ends = [segment.end for segment in segments[-1:]]
        kept = ring.slice(float("-inf"), float("inf")) if ring is not None else None
        if kept is not None:
            starts.append(kept.packets[0].at)
            ends.append(kept.packets[-1].at)
        if not starts:
            return None
        return Available(min(starts), max(ends))

    def build(
        self, camera_id: str, ring: PacketRing | None, since: float, until: float
    ) -> ClipInfo:
        """The clip of ``since`` to ``until`` (wall clock); ValueError for a bad stretch,
        ClipUnavailableError when the video is not there, ClipError when it cannot be written.
        Blocking (reads and writes files): call it off the event loop."""
        if until <= since:
            raise ValueError("until must be after since")
        if until - since > MAX_SPAN_S:
            raise ValueError(f"at most {MAX_SPAN_S:g} s of video per request")
        folder = self.cache_dir / camera_id
        path = folder / f"{round(since * 1000)}-{round(until * 1000)}.mp4"
        with self._build_lock:
            self._prune()
            built = self._built.get(path)
            if built is not None and path.is_file():  # built for an earlier request of the
                return built  # same stretch (a player's range requests)
            runs = self._runs(camera_id, ring, since, until)
            folder.mkdir(parents=True, exist_ok=True)
            self._built[path] = info = write_runs(path, runs)
            return info

    def _runs(
        self, camera_id: str, ring: PacketRing | None, since: float, until: float
    ) -> list[PacketRun]:
        live = ring.slice(since, until) if ring is not None else None
        ring_start = live.packets[0].at if live is not None else float("inf")
        runs: list[PacketRun] = []
        if since < ring_start:
            for segment in self.segments(camera_id):
                if segment.end < since or segment.start > until or segment.start >= ring_start:
                    continue
                run = _within(read_segment(segment), since, until, ring_start)
                if run is not None:
                    runs.append(run)
        if live is not None:
            runs.append(PacketRun(live.template, live.packets))
        runs = _one_stream(runs)
        if (
            not runs
            or runs[0].packets[0].at > since
            or runs[-1].packets[-1].at + END_SLACK_S < until
        ):
            raise ClipUnavailableError(self._what_is_kept(camera_id, ring))
        return runs

    def _what_is_kept(self, camera_id: str, ring: PacketRing | None) -> str:
        kept = self.available(camera_id, ring)
        if kept is None:
            return f"no video of camera {camera_id!r} is kept"
        return (
            f"camera {camera_id!r} has video from {kept.start:.3f} to {kept.end:.3f} "
            f"({_iso(kept.start)} to {_iso(kept.end)}), with gaps where it was not recorded"
        )

    def _prune(self) -> None:
        """Delete clips built more than :data:`CACHE_TTL_S` ago."""
        cutoff = time.time() - CACHE_TTL_S
        for path in self.cache_dir.glob("*/*.mp4"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    self._built.pop(path, None)
            except FileNotFoundError:
                continue


def _within(run: PacketRun, since: float, until: float, ring_start: float) -> PacketRun | None:
    """The run's packets from its last keyframe at or before ``since`` through ``until``,
    before the ring's first packet."""
    start = 0
    for index, packet in enumerate(run.packets):
        if packet.at > since:
            break
        if packet.keyframe:
            start = index
    packets: list[EncodedPacket] = [
        p for p in run.packets[start:] if p.at <= until and p.at < ring_start
    ]
    return PacketRun(run.template, tuple(packets)) if packets else None


def _one_stream(runs: list[PacketRun]) -> list[PacketRun]:
    """The newest runs that can share one clip (a reconnection may change the picture size)."""
    kept: list[PacketRun] = []
    for run in runs:
        if kept and not same_stream(kept[-1], run):
            kept = []
        kept.append(run)
    return kept


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))

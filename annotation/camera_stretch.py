"""A stretch of a camera's video, and its stored events, fetched from a running trackcast service
through its HTTP API (never its data folder): the source of ``trackcast dataset --camera``.

``GET /api/cameras/{id}/clip.mp4`` gives the stretch as an MP4 whose ``X-Clip-Start`` header is
the wall-clock time of its first frame (the keyframe at or before ``since``), so an event at
wall-clock time ``t`` is at ``t - start`` seconds of the video. ``GET /api/events`` gives the
camera's events of the stretch, paged on the ``seq`` cursor. Every failure is a ValueError of
one line (the CLI's exit 2).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2

MAX_SPAN_S = 3600.0
"""The longest stretch the service builds in one clip."""
CLIP_START_HEADER = "X-Clip-Start"
EVENTS_PAGE = 1000
TIMEOUT_S = 30.0
"""Connecting and each read; building an hour's clip from recordings can take a while, but the
service answers only once the clip is written, so the read timeout is generous."""
CLIP_READ_TIMEOUT_S = 600.0
CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class CameraStretch:
    service: str
    """Base URL, e.g. ``http://127.0.0.1:8000``."""
    camera: str
    since: float
    until: float
    """Epoch seconds."""
    token: str | None = None

    def __post_init__(self) -> None:
        if self.until <= self.since:
            raise ValueError("--until must be after --since")
        if self.until - self.since > MAX_SPAN_S:
            raise ValueError(
                f"at most {MAX_SPAN_S:g} s per export (the service's clip limit), "
                f"got {self.until - self.since:g} s: export the stretch in parts"
            )


def parse_time(text: str) -> float:
    """Epoch seconds or ISO-8601 with a zone (``2026-11-27T01:00:00Z``), as the API takes them."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a time: give epoch seconds or ISO-8601") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: add Z or +01:00")
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class FetchedClip:
    path: Path
    start: float
    """Wall-clock time of the clip's first frame (its time 0)."""


def fetch_clip(stretch: CameraStretch, path: Path) -> FetchedClip:
    """Download the stretch's MP4 to ``path``."""
    url = f"/api/cameras/{stretch.camera}/clip.mp4"
    params = {"since": repr(stretch.since), "until": repr(stretch.until)}
    timeout = httpx2.Timeout(TIMEOUT_S, read=CLIP_READ_TIMEOUT_S)
    with (
        _client(stretch, timeout) as client,
        _requesting(stretch),
        client.stream("GET", url, params=params) as response,
    ):
        if response.status_code != 200:
            response.read()
            raise ValueError(_refusal(stretch, response, "its video"))
        start = _start(response.headers.get(CLIP_START_HEADER))
        try:
            with path.open("wb") as handle:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    handle.write(chunk)
        except OSError as error:
            raise ValueError(f"cannot write {path}: {error.strerror or error}") from None
    return FetchedClip(path, start)


def fetch_event_times(stretch: CameraStretch) -> list[float]:
    """The wall-clock times of the camera's stored events from ``since`` to ``until``, sorted."""
    times: list[float] = []
    after: int | None = None
    with _client(stretch, httpx2.Timeout(TIMEOUT_S)) as client, _requesting(stretch):
        while True:
            params: dict[str, Any] = {
                "camera": stretch.camera,
                "since": repr(stretch.since),
                "until": repr(stretch.until),
                "limit": EVENTS_PAGE,
            }
            if after is not None:
                params["after"] = after
            response = client.get("/api/events", params=params)
            if response.status_code != 200:
                raise ValueError(_refusal(stretch, response, "its events"))
            page = response.json()
            times += [float(event["time"]) for event in page["events"]]
            after = page.get("next_after")
            if after is None:
                return sorted(times)


def _client(stretch: CameraStretch, timeout: httpx2.Timeout) -> httpx2.Client:
    headers = {"Authorization": f"Bearer {stretch.token}"} if stretch.token else {}
    return httpx2.Client(base_url=stretch.service, headers=headers, timeout=timeout)


@contextmanager
def _requesting(stretch: CameraStretch) -> Iterator[None]:
    """Transport failures (refused, unknown host, timeout) as one ValueError line."""
    try:
        yield
    except httpx2.TransportError as error:
        reason = str(error) or type(error).__name__
        raise ValueError(f"cannot reach the service at {stretch.service}: {reason}") from None


def _refusal(stretch: CameraStretch, response: httpx2.Response, what: str) -> str:
    camera = f"camera {stretch.camera!r}"
    if response.status_code == 401:
        return (
            f"the service at {stretch.service} wants an API token (401): put one in an "
            "environment variable and name it with --token-env"
        )
    if response.status_code == 403:
        return f"the service at {stretch.service} refused the token (403)"
    detail = _detail(response)
    if response.status_code == 416:
        return f"no video of {camera} for that stretch (416): {detail}"
    if response.status_code == 404:
        return f"{camera} not found on {stretch.service} (404): {detail}"
    return f"the service could not give {what} of {camera} ({response.status_code}): {detail}"


def _detail(response: httpx2.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    text = detail if isinstance(detail, str) else response.text
    return " ".join(text.split())[:300] or response.reason_phrase


def _start(value: str | None) -> float:
    if value is None:
        raise ValueError(
            f"the service sent no {CLIP_START_HEADER} header: it is older than this trackcast, "
            "which needs it to place the events in the clip"
        )
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"the service sent a bad {CLIP_START_HEADER} header: {value!r}") from None

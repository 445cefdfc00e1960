"""WebRTC sessions are bounded: a connect deadline, per-token caps, an offer size limit.

Real aiortc peers against the running server (uvicorn on 127.0.0.1), as in ``test_whep``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from config import AppConfig
from restream import RestreamHub
from restream.ice import IceSettings
from service import build_service
from tests.blob_detector import BrightBlobDetector
from tests.restream.conftest import CAMERA
from tests.restream.peers_client import SDP, bearer, eventually, idle_offer, watching
from tests.servers.api_server import ApiServer
from tests.sources import local_sources

FLOODER = "flooder-token-0123456789"
VIEWER = "viewer-token-0123456789"
OTHER = "other-viewer-token-0123456789"
WHEP = f"/api/cameras/{CAMERA}/whep"


@contextlib.contextmanager
def serving(
    data_dir: Path, clip: Path, webrtc: dict[str, Any]
) -> Iterator[tuple[ApiServer, FastAPI]]:
    config = AppConfig.model_validate(
        {
            "data_dir": str(data_dir),
            "auth": {"tokens": [{"token": t} for t in (FLOODER, VIEWER, OTHER)]},
            "webrtc": webrtc,
            "sources": local_sources(clip.parent).model_dump(),
            "cameras": [{"id": CAMERA, "url": str(clip), "loop": True}],
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    app = create_app(service)
    app.state.webrtc_ice = IceSettings(("127.0.0.1",))
    with ApiServer(app) as server:
        yield server, app


def _hub(app: FastAPI) -> RestreamHub:
    hub: RestreamHub = app.state.restream
    return hub


@contextlib.asynccontextmanager
async def peak_slots(app: FastAPI) -> AsyncIterator[list[int]]:
    """The most WHEP slots taken at once during the block, sampled every 10 ms."""
    peak = [0]

    async def sample() -> None:
        while True:
            hub: RestreamHub | None = getattr(app.state, "restream", None)
            if hub is not None:
                peak[0] = max(peak[0], hub.whep.slots_taken)
            await asyncio.sleep(0.01)

    sampler = asyncio.ensure_future(sample())
    try:
        yield peak
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler


def _samples(text: str) -> dict[str, float]:
    """Prometheus text format: ``name{labels}`` -> value."""
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_a_flood_of_idle_offers_from_one_token_holds_no_slot_and_locks_out_no_one(
    tmp_path: Path, long_square_clip: Path
) -> None:
    """70 offers that never connect (half without candidates, half with one nothing answers)
    from one viewer token, five at a time; another viewer connects in the middle of the flood,
    watches through the rest of it and past its own connect deadline."""
    responses: list[httpx.Response] = []

    async def flood(client: httpx.AsyncClient, offers: list[str]) -> None:
        for start in range(0, len(offers), 5):
            posts = (
                client.post(WHEP, content=offer, headers={**SDP, **bearer(FLOODER)})
                for offer in offers[start : start + 5]
            )
            responses.extend(await asyncio.gather(*posts))

    async def scenario(server: ApiServer, app: FastAPI) -> None:
        offers = [await idle_offer(dead_candidate=i % 2 == 1) for i in range(70)]
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as client,
            peak_slots(app) as peak,
        ):
            await flood(client, offers[:35])
            async with watching(client, CAMERA, VIEWER) as watch:
                await flood(client, offers[35:])
                hub = _hub(app)
                # every flood slot comes back within 15 s; the viewer's stays
                await eventually(lambda: hub.whep.slots_taken == 1, 15)
                assert hub.whep.pending_count == 0 and hub.whep.session_count == 1
                seen = watch.frames
                await eventually(lambda: watch.frames >= seen + 10, 20)
            assert peak[0] <= 3  # two pending flood sessions and the viewer, never more
            await eventually(lambda: hub.whep.slots_taken == 0, 5)
            metrics = _samples((await client.get("/metrics")).text)

        codes = Counter(r.status_code for r in responses)
        assert set(codes) == {201, 429}, codes
        assert codes[429] >= 60, codes
        refused = [r for r in responses if r.status_code == 429]
        assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
        assert "connecting" in refused[0].json()["detail"]
        # the candidate-less ones were closed by the deadline (dead candidates may fail sooner)
        assert hub.whep.expired_count >= 1
        assert hub.whep.expired_count + codes[429] <= 70
        viewer = 'kind="viewer"'
        assert (
            metrics[f'trackcast_webrtc_offers_refused_total{{{viewer},reason="caller"}}']
            == codes[429]
        )
        assert (
            metrics[f"trackcast_webrtc_sessions_expired_total{{{viewer}}}"]
            == hub.whep.expired_count
        )
        assert metrics[f'trackcast_webrtc_sessions{{{viewer},state="connecting"}}'] == 0

    with serving(tmp_path / "data", long_square_clip, {}) as (server, app):
        asyncio.run(scenario(server, app))


def test_a_token_holds_at_most_its_share_and_a_full_server_says_when_to_retry(
    tmp_path: Path, long_square_clip: Path
) -> None:
    webrtc = {"viewers": {"max_sessions": 3, "per_token": 2, "pending_per_token": 1}}

    async def scenario(server: ApiServer, app: FastAPI) -> None:
        offer = await idle_offer()
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as client,
            contextlib.AsyncExitStack() as stack,
        ):

            async def post(token: str) -> httpx.Response:
                return await client.post(WHEP, content=offer, headers={**SDP, **bearer(token)})

            first = await stack.enter_async_context(watching(client, CAMERA, VIEWER))
            await stack.enter_async_context(watching(client, CAMERA, VIEWER))
            over = await post(VIEWER)
            assert over.status_code == 429, over.text
            assert int(over.headers["retry-after"]) >= 1
            assert "2 viewer sessions" in over.json()["detail"]
            await stack.enter_async_context(watching(client, CAMERA, OTHER))
            full = await post(FLOODER)
            assert full.status_code == 503, full.text
            assert int(full.headers["retry-after"]) >= 1
            seen = first.frames
            await eventually(lambda: first.frames > seen, 20)
        await eventually(lambda: _hub(app).whep.slots_taken == 0, 5)

    with serving(tmp_path / "data", long_square_clip, webrtc) as (server, app):
        asyncio.run(scenario(server, app))


async def _status_line(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readline(), 30)


def test_offers_too_large_are_refused_unread_and_crafted_ones_off_the_event_loop(
    tmp_path: Path, long_square_clip: Path
) -> None:
    """A 50 MB offer is refused from its Content-Length without a byte of it being sent, one
    streamed without a length as soon as it passes 64 KiB (the rest never comes); a viewer keeps
    receiving all along. An offer padded with 60 KiB of ignored lines is answered; one whose
    parsing would take seconds (thousands of codecs and feedback lines) is refused."""

    async def request(server: ApiServer, headers: str, body: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(
                f"POST {WHEP} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {VIEWER}\r\n"
                f"Content-Type: application/sdp\r\n{headers}\r\n".encode()
                + body
            )
            await writer.drain()
            return await _status_line(reader)  # the request body is never finished
        finally:
            writer.close()

    async def scenario(server: ApiServer, app: FastAPI) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            async with watching(client, CAMERA, OTHER) as watch:
                declared = await request(server, "Content-Length: 52428800\r\n", b"")
                assert declared.startswith(b"HTTP/1.1 413"), declared
                chunk = b"4000\r\n" + b"a=x" * (0x4000 // 3) + b"a\r\n"
                streamed = await request(server, "Transfer-Encoding: chunked\r\n", chunk * 8)
                assert streamed.startswith(b"HTTP/1.1 413"), streamed
                seen = watch.frames
                await eventually(lambda: watch.frames >= seen + 5, 20)

            offer = await idle_offer(dead_candidate=True)
            padding = "".join(f"a=x-padding:{i:08d}\r\n" for i in range(2700))
            padded = offer + padding
            assert 60_000 < len(padded) < 64 * 1024
            answered = await client.post(WHEP, content=padded, headers={**SDP, **bearer(VIEWER)})
            assert answered.status_code == 201, answered.text
            gone = await client.delete(answered.headers["location"], headers=bearer(VIEWER))
            assert gone.status_code == 204

            # aiortc matches every rtcp-fb line against every codec: parsed on the event loop,
            # this 62 KB offer blocked it for 10 s (measured on a 2-core machine)
            codecs = "".join(f"a=rtpmap:{96 + i % 30} H264/90000\r\n" for i in range(1200))
            crafted = offer + codecs + "a=rtcp-fb:* nack\r\n" * 1700
            assert len(crafted) < 64 * 1024
            refused = await client.post(WHEP, content=crafted, headers={**SDP, **bearer(VIEWER)})
            assert refused.status_code == 400, refused.text
            assert "codecs" in refused.json()["detail"]
            assert _hub(app).whep.slots_taken == 0

    with serving(tmp_path / "data", long_square_clip, {}) as (server, app):
        asyncio.run(scenario(server, app))


@pytest.mark.parametrize("value", [9.9, 15.1])
def test_the_connect_deadline_stays_within_10_to_15_s(value: float) -> None:
    with pytest.raises(ValueError, match="connect_timeout_s"):
        AppConfig.model_validate({"webrtc": {"connect_timeout_s": value}})

"""Lines, zones, counts and heatmaps through the service: a looping file camera whose square
crosses a line and enters a zone every loop; once the camera is stopped its counts are final,
agree with the stored events, and survive a restart."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx

from api.app import create_app
from config import AppConfig
from service import build_service
from tests.blob_detector import BrightBlobDetector
from tests.servers.api_server import ApiServer
from tests.sources import local_sources
from tests.waiting import wait_until


def _config(clip: Path, data_dir: Path) -> AppConfig:
    return AppConfig.model_validate(
        {
            "data_dir": str(data_dir),
            "auth": {"open": True},
            "tracker": {"lost_timeout_s": 0.3},
            "storage": {"flush_interval_ms": 50},
            "sources": local_sources(clip.parent).model_dump(),
            "cameras": [
                {
                    "id": "sq",
                    "url": str(clip),
                    "loop": True,
                    "lines": [
                        {
                            "name": "door",
                            "points": [[0.4, 0.0], [0.4, 1.0]],
                            "coordinates": "normalized",
                            "anchor": "center",
                        }
                    ],
                    "zones": [
                        {
                            "name": "right",
                            "polygon": [[120, 0], [320, 0], [320, 240], [120, 240]],
                            "anchor": "center",
                        }
                    ],
                }
            ],
        }
    )


def _get(server: ApiServer, path: str, **params: Any) -> httpx.Response:
    response = httpx.get(f"{server.url}{path}", params=params, timeout=10)
    response.raise_for_status()
    return response


def _all_written(server: ApiServer) -> bool:
    """Whether the event writer has handled every event emitted so far (/metrics)."""
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in _get(server, "/metrics").text.splitlines()
        if line.startswith("trackcast_event")
    }
    handled = sum(
        samples[f"trackcast_events_{outcome}_total"]
        for outcome in ("stored", "dropped", "rejected", "lost")
    )
    return handled == samples["trackcast_events_emitted_total"]


def test_counts_zones_and_heatmap_live_and_after_a_restart(
    square_clip: Path, tmp_path: Path
) -> None:
    config = _config(square_clip, tmp_path / "data")
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        wait_until(
            lambda: len(_get(api, "/api/events", type="zone.exited").json()["events"]) >= 2,
            timeout_s=40,
            step_s=0.2,
        )
        crossings = _get(api, "/api/events", type="line.crossed").json()["events"]
        assert crossings and all(e["data"]["direction"] == "out" for e in crossings)
        assert crossings[0]["region"] == "door" and crossings[0]["data"]["trajectory"]
        live = _get(api, "/api/cameras/sq/analytics").json()
        assert live["lines"][0]["name"] == "door"
        live_out = live["lines"][0]["counts"]["out"]["square"]
        assert live_out >= len(crossings)
        assert live["zones"][0]["name"] == "right"
        heat = _get(api, "/api/cameras/sq/heatmap.png")
        assert heat.headers["content-type"] == "image/png" and heat.content[:4] == b"\x89PNG"

        # The camera loops, so counts read while it runs are a moving target: a loop can cross
        # or enter between two reads, and stopping closes an open visit (a "camera stopped"
        # exit). Stop it, let the writer store what it emitted, then the counts are final.
        stopped = httpx.patch(f"{api.url}/api/cameras/sq", json={"enabled": False}, timeout=30)
        assert stopped.status_code == 200
        wait_until(lambda: _all_written(api), timeout_s=30, step_s=0.05)
        assert _get(api, "/api/events", type="zone.exited").json()["events"]
        counts_before = _get(api, "/api/counts", interval="1d").json()
        events = _get(api, "/api/events", limit=1000).json()["events"]
    exits_before = [e for e in events if e["type"] == "zone.exited"]
    assert all(e["data"]["dwell_s"] > 0 for e in exits_before)
    by_key = {(c["region"], c["direction"]): c["count"] for c in counts_before}
    stored_crossings = [e for e in events if e["type"] == "line.crossed"]
    assert by_key[("door", "out")] == len(stored_crossings) >= live_out >= len(crossings)
    entries = [e for e in events if e["type"] == "zone.entered"]
    # every visit is closed once the camera has stopped: as many exits as entries
    assert by_key[("right", "entered")] == by_key[("right", "exited")] == len(entries)
    assert len(exits_before) == len(entries) >= 2

    # restart on the same data directory, with the camera disabled: nothing new is counted
    restarted = build_service(
        config.model_copy(
            update={"cameras": (config.cameras[0].model_copy(update={"enabled": False}),)}
        ),
        detector_factory=lambda _: BrightBlobDetector(),
    )
    with ApiServer(create_app(restarted)) as api:
        assert _get(api, "/api/counts", interval="1d").json() == counts_before
        exits_after = _get(api, "/api/events", type="zone.exited", limit=1000).json()["events"]
        assert [(e["id"], e["data"]["dwell_s"]) for e in exits_after] == [
            (e["id"], e["data"]["dwell_s"]) for e in exits_before
        ]
        table = list(csv.DictReader(io.StringIO(_get(api, "/api/counts", format="csv").text)))
        assert {row["region"] for row in table} == {"door", "right"}
        assert sum(int(r["count"]) for r in table) == sum(c["count"] for c in counts_before)


def test_lines_and_zones_can_be_set_through_the_api(square_clip: Path, tmp_path: Path) -> None:
    config = AppConfig.model_validate(
        {
            "data_dir": str(tmp_path),
            "auth": {"open": True},
            "sources": local_sources(square_clip.parent).model_dump(),
        }
    )
    service = build_service(config, detector_factory=lambda _: BrightBlobDetector())
    with ApiServer(create_app(service)) as api:
        body = {"id": "c", "url": str(square_clip), "enabled": False}
        assert httpx.post(f"{api.url}/api/cameras", json=body, timeout=10).status_code == 201
        line = {"name": "gate", "points": [[10, 10], [10, 200]]}
        patched = httpx.patch(f"{api.url}/api/cameras/c", json={"lines": [line]}, timeout=10)
        assert patched.status_code == 200
        assert patched.json()["lines"][0]["name"] == "gate"
        bad = httpx.patch(
            f"{api.url}/api/cameras/c", json={"lines": [{"name": "x", "points": [[1, 1]]}]},
            timeout=10,
        )  # fmt: skip
        assert bad.status_code == 422

"""``/api/counts?tz=``: hourly and daily buckets on a zone's clock, across a DST change, through the
app with real storage; an unknown zone is a 422."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from events import ZONE_ENTERED, Event
from tests.api.conftest import ServiceFactory
from tests.waiting import wait_until

# Europe/Berlin left summer time at 2023-10-29 01:00 UTC: its 29 October lasted 25 hours, from
# 2023-10-28 22:00 UTC to 2023-10-29 23:00 UTC.
ENTRIES_UTC = [
    "2023-10-28T22:30:00+00:00",  # 00:30 CEST, 29 Oct in Berlin; 28 Oct in UTC
    "2023-10-29T00:30:00+00:00",  # 02:30 CEST
    "2023-10-29T01:30:00+00:00",  # 02:30 CET (the hour again)
    "2023-10-29T22:30:00+00:00",  # 23:30 CET, still 29 Oct
    "2023-10-29T23:30:00+00:00",  # 00:30 CET, 30 Oct in Berlin; 29 Oct in UTC
]


def _entry(when: str) -> Event:
    at = datetime.fromisoformat(when).timestamp()
    return Event(
        type=ZONE_ENTERED,
        camera_id="shop",
        time=at,
        track_id=1,
        class_name="person",
        region="till",
        data={"zone": "till", "confirmed_at": at},
    )


def _counts(client: TestClient, **params: str) -> list[dict[str, Any]]:
    answer = client.get("/api/counts", params=params)
    assert answer.status_code == 200, answer.text
    counts: list[dict[str, Any]] = answer.json()
    return counts


def _per_bucket(counts: list[dict[str, Any]]) -> dict[str, int]:
    return {c["bucket_start_iso"]: c["count"] for c in counts}


def test_daily_and_hourly_buckets_follow_the_zone_across_dst(make_service: ServiceFactory) -> None:
    service = make_service(storage={"flush_interval_ms": 20})
    with TestClient(create_app(service)) as client:
        for when in ENTRIES_UTC:
            service.writer.emit(_entry(when))
        wait_until(
            lambda: sum(c["count"] for c in _counts(client, interval="1d")) == len(ENTRIES_UTC),
            timeout_s=30,
            step_s=0.05,
        )
        assert _per_bucket(_counts(client, interval="1d")) == {
            "2023-10-28T00:00:00+00:00": 1,
            "2023-10-29T00:00:00+00:00": 4,
        }
        berlin_days = _counts(client, interval="1d", tz="Europe/Berlin")
        assert _per_bucket(berlin_days) == {
            "2023-10-29T00:00:00+02:00": 4,
            "2023-10-30T00:00:00+01:00": 1,
        }
        assert [c["bucket_start"] for c in berlin_days] == [
            int(datetime.fromisoformat(c["bucket_start_iso"]).timestamp()) for c in berlin_days
        ]
        # 02:30 happened twice in Berlin that night: two hours, told apart by their offsets
        berlin_hours = _per_bucket(_counts(client, interval="1h", tz="Europe/Berlin"))
        assert berlin_hours["2023-10-29T02:00:00+02:00"] == 1
        assert berlin_hours["2023-10-29T02:00:00+01:00"] == 1
        # Kathmandu is 5:45 ahead of UTC: its hours start at a quarter past UTC hours
        kathmandu = _per_bucket(_counts(client, interval="1h", tz="Asia/Kathmandu"))
        assert "2023-10-29T04:00:00+05:45" in kathmandu  # 22:30 UTC is 04:15 there
        assert sum(kathmandu.values()) == len(ENTRIES_UTC)
        since = _counts(client, interval="1d", tz="Europe/Berlin", since="2023-10-29T23:00:00Z")
        assert _per_bucket(since) == {"2023-10-30T00:00:00+01:00": 1}

        table = client.get(
            "/api/counts", params={"interval": "1d", "tz": "Asia/Tokyo", "format": "csv"}
        )
        rows = list(csv.DictReader(io.StringIO(table.text)))
        assert {r["bucket_start_iso"][-6:] for r in rows} == {"+09:00"}

        for zone in ("Mars/Olympus_Mons", "europe/berlin", "../../etc/passwd", ""):
            refused = client.get("/api/counts", params={"tz": zone})
            assert refused.status_code == 422, (zone, refused.text)
            assert refused.json()["detail"][0]["loc"] == ["query", "tz"]

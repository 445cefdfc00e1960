"""Class filters and ignore masks through /api/cameras and /metrics, with a real file camera and
the bright-blob detector (class ``square``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.runtime.test_camera_filters import IGNORE_POLYGON, write_three_squares
from tests.waiting import wait_until


@pytest.fixture
def three_squares(tmp_path: Path) -> Path:
    path = tmp_path / "three.mp4"
    write_three_squares(path)
    return path


def filtered(client: TestClient, camera_id: str) -> dict[str, float]:
    """trackcast_camera_detections_filtered of the camera, by reason."""
    pattern = re.compile(
        r'^trackcast_camera_detections_filtered_total\{camera="([^"]+)",reason="([^"]+)"\} (\S+)$'
    )
    found = {}
    for line in client.get("/metrics").text.splitlines():
        match = pattern.match(line)
        if match and match.group(1) == camera_id:
            found[match.group(2)] = float(match.group(3))
    return found


def test_filters_and_masks_show_change_and_count_in_metrics(
    client: TestClient, three_squares: Path
) -> None:
    body = {
        "id": "yard",
        "url": str(three_squares),
        "loop": True,
        "filters": {"square": {"min_area": 0.002}},
        "ignore": [{"polygon": IGNORE_POLYGON}],
    }
    created = client.post("/api/cameras", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["filters"] == {
        "square": {"min_score": 0, "min_area": 0.002, "max_area": 1}
    }
    (mask,) = created.json()["ignore"]
    assert mask["polygon"] == IGNORE_POLYGON and mask["anchor"] == "bottom_center"
    wait_until(lambda: set(filtered(client, "yard")) == {"min_area", "ignore"}, timeout_s=30)
    health = client.get("/api/cameras/yard").json()["health"]["detections_filtered"]
    assert set(health) == {"min_area", "ignore"} and min(health.values()) >= 1  # as in /metrics

    changes = {"filters": {"square": {"max_area": 0.01}}, "ignore": None}
    patched = client.patch("/api/cameras/yard", json=changes)
    assert patched.status_code == 200, patched.text
    assert patched.json()["ignore"] == []
    assert patched.json()["filters"]["square"]["max_area"] == 0.01
    # the restarted pipeline drops both big squares as too large, and nothing else
    wait_until(lambda: filtered(client, "yard").get("max_area", 0) >= 4, timeout_s=30)
    assert set(filtered(client, "yard")) == {"max_area"}

    back = client.patch("/api/cameras/yard", json={"filters": None})
    assert back.json()["filters"] is None  # the service's (none here)


def test_a_misspelt_class_is_refused_with_the_models_classes(
    client: TestClient, three_squares: Path
) -> None:
    zone = {"name": "pen", "polygon": IGNORE_POLYGON, "classes": ["sqare"]}
    refused = client.post(
        "/api/cameras", json={"id": "yard", "url": str(three_squares), "zones": [zone]}
    )
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("camera yard: zones.0.classes: 'sqare' never")
    assert "(its classes: square;" in refused.json()["detail"]
    assert client.get("/api/cameras").json() == []


def test_a_patch_with_a_misspelt_class_is_refused_and_the_camera_runs_on_unchanged(
    client: TestClient, three_squares: Path
) -> None:
    body = {"id": "yard", "url": str(three_squares), "loop": True}
    assert client.post("/api/cameras", json=body).status_code == 201
    wait_until(lambda: client.get("/api/cameras/yard").json()["state"] == "streaming", 30)
    since = client.get("/api/cameras/yard").json()["health"]["since"]
    refused = client.patch("/api/cameras/yard", json={"filters": {"sqare": {"min_area": 0.1}}})
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("camera yard: filters.sqare: 'sqare' never")
    assert "(its classes: square;" in refused.json()["detail"]
    shown = client.get("/api/cameras/yard").json()
    assert shown["filters"] is None and shown["state"] == "streaming"
    assert shown["health"]["since"] == since  # the same run: it was never stopped
    ignore = [{"polygon": IGNORE_POLYGON, "classes": ["sqare"]}]
    refused = client.patch("/api/cameras/yard", json={"ignore": ignore})
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("camera yard: ignore.0.classes: 'sqare' never")
    assert client.get("/api/cameras/yard").json()["ignore"] == []
    fixed = client.patch("/api/cameras/yard", json={"filters": {"square": {"min_area": 0.1}}})
    assert fixed.status_code == 200, fixed.text
    wait_until(lambda: client.get("/api/cameras/yard").json()["state"] == "streaming", 30)

"""docs/grafana/trackcast.json queries only metrics the app's real /metrics exposes, so the
dashboard cannot drift from the code: a renamed metric fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import promql_parser
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from tests.api.conftest import ServiceFactory
from tests.conftest import ROOT

DASHBOARD = ROOT / "docs" / "grafana" / "trackcast.json"

SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
}
GRAFANA_RANGES = re.compile(r"\$__(rate_interval|interval|range)\b")
"""Grafana's range variables: a duration once Grafana sends the query."""
CHILDREN = ("lhs", "rhs", "expr", "param", "args", "vector_selector")
"""The attributes of promql_parser's nodes that hold sub-expressions."""


def exposed_names(text: str) -> set[str]:
    """Every sample name the exposition has or, for a family without samples yet (no camera,
    no delivery), would have."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
        names |= {sample.name for sample in family.samples}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (parsed: a syntax error fails the test)."""
    names: set[str] = set()
    nodes = [promql_parser.parse(GRAFANA_RANGES.sub("5m", expr))]
    while nodes:
        node = nodes.pop()
        if isinstance(node, promql_parser.VectorSelector):
            assert node.name, f"a selector without a metric name in {expr!r}"
            names.add(node.name)
        for attribute in CHILDREN:
            child = getattr(node, attribute, None)
            if child is not None:
                nodes.extend(child if isinstance(child, list) else [child])
    return names


def dashboard_queries(dashboard: dict[str, Any]) -> list[str]:
    """Every panel target's ``expr`` and each variable's ``label_values`` metric."""
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", ())]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            found = re.fullmatch(r"label_values\((\w+),\s*\w+\)", variable["query"]["query"])
            assert found is not None, variable
            exprs.append(found.group(1))
    return exprs


def test_every_metric_in_the_dashboard_is_exposed(
    make_service: ServiceFactory, square_clip: Path
) -> None:
    service = make_service(cameras=[{"id": "sq", "url": str(square_clip), "loop": True}])
    with TestClient(create_app(service)) as client:
        client.get("/api/cameras")  # an HTTP request series
        exposed = exposed_names(client.get("/metrics").text)
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    used = set().union(*(metric_names(expr) for expr in dashboard_queries(dashboard)))
    assert used - exposed == set()
    assert {"trackcast_camera_fps_in", "trackcast_http_requests_total"} <= used


def test_the_query_reader_finds_every_selected_name() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(x_bucket{status=~"5.."}'
        "[$__rate_interval]))) / on (route) group_left max_over_time(y_total[5m:1m] offset 5m)"
    )
    assert metric_names(expr) == {"x_bucket", "y_total"}
    assert exposed_names("# TYPE a counter\n# TYPE b histogram\n") >= {"a_total", "b_bucket"}

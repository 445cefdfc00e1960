"""Test tiers: which of ``unit``, ``integration``, ``browser`` and ``model`` a test belongs to.

A test's tier is derived from what it uses, so that no test file has to say it: the code of the
test, of every fixture it requests and, transitively, of every helper function or class under
``tests/`` that those reference, is read for the names and string constants it mentions.

- ``browser``: it drives Chromium through Playwright.
- ``model``: it names a real model (person-yolov8s, coco-yolov3-tiny, their OpenVINO or ONNX
  exports, the random segmentation model of tests/segmentation.py) or requests a fixture that
  loads one.
- ``cluster``: it starts a local multi-node Ray cluster (tests/servers/ray_cluster.py).
- ``integration``: it starts a server or a subprocess, opens a socket, or serves the app
  (``TestClient``, uvicorn), or runs on the session's PostgreSQL server.
- ``unit``: none of these; in-process code on in-memory data and local files.

The first tier that matches in that order wins; an explicit ``@pytest.mark.<tier>`` on the test
overrides the rule. :mod:`tests.tier_guard` holds ``unit`` tests to their word.
"""

from __future__ import annotations

import enum
import inspect
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pytest


class Tier(enum.Enum):
    UNIT = "unit"
    INTEGRATION = "integration"
    CLUSTER = "cluster"
    BROWSER = "browser"
    MODEL = "model"


ORDER = (Tier.UNIT, Tier.INTEGRATION, Tier.CLUSTER, Tier.BROWSER, Tier.MODEL)
"""Fastest first (the markers and their meanings are registered in pyproject.toml)."""


BROWSER_NAMES = frozenset({"sync_playwright", "async_playwright", "chromium_serving"})
MODEL_NAMES = frozenset(
    {"PERSON_YOLOV8S", "COCO_YOLOV3_TINY", "DEFAULT_MODEL", "person_model", "seg_weights"}
)
MODEL_STRINGS = ("person-yolov8s", "coco-yolov3-tiny", "yolov8s.pt", "yolov3-tiny")
CLUSTER_NAMES = frozenset({"local_ray_cluster", "LocalRayCluster", "ray_cluster"})
INTEGRATION_NAMES = frozenset(
    {
        "subprocess",
        "Popen",
        "run_cli",
        "socket",
        "create_connection",
        "create_server",
        "start_server",
        "serve_forever",
        "ThreadingHTTPServer",
        "TestClient",
        "uvicorn",
        "ApiServer",
        "RtspCamera",
        "MosquittoBroker",
        "WebhookReceiver",
        "PostgresServer",
    }
)
INTEGRATION_PARAMS = ("postgresql",)
"""Parametrisations that run on a real server (the storage tests' PostgreSQL variant)."""

EVERY_TEST = frozenset({"model_cache", "tier_guard"})
"""Autouse fixtures every test gets that do not describe the test (see tests/conftest.py)."""


@dataclass
class Usage:
    """The names and string constants reachable from one test."""

    names: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    seen: set[int] = field(default_factory=set)


def tier_of(item: pytest.Item) -> Tier:
    """The tier ``item`` runs in: its explicit marker, else the one its code implies."""
    explicit = [tier for tier in Tier if item.get_closest_marker(tier.value) is not None]
    if explicit:
        return max(explicit, key=ORDER.index)
    return derived_tier(item)


def derived_tier(item: pytest.Item) -> Tier:
    usage = Usage()
    for function in _entry_points(item):
        _visit_function(function, usage)
    if usage.names & BROWSER_NAMES:
        return Tier.BROWSER
    if usage.names & MODEL_NAMES or any(m in s for s in usage.strings for m in MODEL_STRINGS):
        return Tier.MODEL
    if usage.names & CLUSTER_NAMES:
        return Tier.CLUSTER
    if usage.names & INTEGRATION_NAMES or _runs_on_a_server(item):
        return Tier.INTEGRATION
    return Tier.UNIT


def _entry_points(item: pytest.Item) -> Iterator[types.FunctionType]:
    if isinstance(item, pytest.Function) and isinstance(item.function, types.FunctionType):
        yield item.function
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return
    for name, definitions in info.name2fixturedefs.items():
        if name in EVERY_TEST:
            continue
        for definition in definitions:
            function = inspect.unwrap(definition.func)
            if isinstance(function, types.FunctionType) and _ours(function):
                yield function


def _runs_on_a_server(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    values = [str(v) for v in callspec.params.values()]
    return any(p in v for v in values for p in INTEGRATION_PARAMS)


def _visit_function(function: types.FunctionType, usage: Usage) -> None:
    _visit_code(function.__code__, function.__globals__, usage)


def _visit_code(code: types.CodeType, namespace: dict[str, object], usage: Usage) -> None:
    if id(code) in usage.seen:
        return
    usage.seen.add(id(code))
    usage.names.update(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, str):
            usage.strings.add(constant)
        elif isinstance(constant, types.CodeType):
            _visit_code(constant, namespace, usage)
    for name in code.co_names:
        value = namespace.get(name)
        if isinstance(value, str):  # a module constant: a config, a script run in a subprocess
            usage.strings.add(value)
        else:
            _visit_object(value, usage)


def _ours(value: object) -> bool:
    """Whether ``value`` is test code: defined under ``tests/`` (pytest's own fixtures are not)."""
    return str(getattr(value, "__module__", "")).startswith("tests")


def _visit_object(value: object, usage: Usage) -> None:
    """Follow ``value`` when it is test code: a helper function or class under ``tests/``."""
    if not _ours(value):
        return
    if isinstance(value, types.FunctionType):
        value = inspect.unwrap(value)  # a @contextmanager helper: its own code, not the wrapper
    if isinstance(value, types.FunctionType):
        _visit_function(value, usage)
    elif isinstance(value, type):
        if id(value) in usage.seen:
            return
        usage.seen.add(id(value))
        usage.names.add(value.__name__)
        for function in _methods(value):
            _visit_function(function, usage)
        for base in value.__mro__[1:]:
            _visit_object(base, usage)


def _methods(cls: type) -> Iterable[types.FunctionType]:
    for member in vars(cls).values():
        candidates = [member]
        if isinstance(member, property):
            candidates = [member.fget, member.fset]
        elif isinstance(member, staticmethod | classmethod):
            candidates = [member.__func__]
        for candidate in candidates:
            if isinstance(candidate, types.FunctionType):
                yield candidate

"""How a process of the cluster (an API replica, a test) reaches the controller.

:func:`connect` joins the Ray cluster in trackcast's namespace; :func:`controller` returns the
controller actor, creating it the first time (every replica may call it: Ray creates one). The
actor is detached (it outlives the process that created it) and restarted by Ray if its process
dies; calls made while it restarts raise ``RayActorError`` (retry them). Call its methods with
:func:`cluster.calls.call` to get their own exceptions rather than Ray's wrapper:

    handle = controller(config)
    camera = call(handle.create.remote(CameraConfig(id="door", url=...)), 30)
"""

from __future__ import annotations

from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from cluster import CONTROLLER_NAME, NAMESPACE
from cluster.agent import LEASE_S, NodeAgent
from cluster.controller import Controller, require_postgres
from config import AppConfig
from runtime.cameras import DetectorFactory

HEAD_RESOURCE = "node:__internal_head__"
"""The resource Ray gives the head node only."""
CONTROLLER_THREADS = 64
"""Concurrent calls the controller serves (each API replica's requests, and its own loop)."""


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` (``auto``, ``HOST:PORT``, ``ray://...``)."""
    if not ray.is_initialized():
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)


def _on_the_head() -> NodeAffinitySchedulingStrategy | None:
    """On the head node if there is one that Ray knows: it goes down only with the whole
    cluster, where a camera node may be lost any time (the controller would restart
    elsewhere, but calls fail while it does)."""
    for node in ray.nodes():
        if node["Alive"] and HEAD_RESOURCE in node["Resources"]:
            return NodeAffinitySchedulingStrategy(node["NodeID"], soft=True)
    return None


def controller(
    config: AppConfig,
    *,
    agent_class: type = NodeAgent,
    detector_factory: DetectorFactory | None = None,
    lease_s: float = LEASE_S,
) -> Any:
    """The controller actor, created with these arguments if it does not run yet (a running
    one keeps the arguments it was created with). ClusterError without PostgreSQL."""
    require_postgres(config)
    actor = ray.remote(Controller).options(
        name=CONTROLLER_NAME,
        namespace=NAMESPACE,
        lifetime="detached",
        get_if_exists=True,
        max_restarts=-1,
        max_concurrency=CONTROLLER_THREADS,
        num_cpus=0,
        scheduling_strategy=_on_the_head(),
    )
    return actor.remote(config, agent_class, detector_factory, lease_s=lease_s)

"""The camera nodes of the Ray cluster and the agent actor on each.

A camera node is a live node that declares :data:`cluster.CAMERA_RESOURCE` slots. Its agent is a
detached actor named after the node (so a restarted controller finds the agents, and through
them the cameras, that outlived it), pinned to the node, and restarted by Ray on the same node
if its process dies (:data:`AGENT_RESTARTS` times): the new incarnation starts empty and the
controller gives it its cameras again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from cluster import CAMERA_RESOURCE, NAMESPACE
from cluster.interface import AgentReport, ProcessSetup
from config import AppConfig
from runtime.cameras import DetectorFactory

AGENT_RESTARTS = 3
AGENT_THREADS = 32
"""Concurrent calls an agent serves: the controller's, and API processes' live-data calls."""


def camera_nodes() -> dict[str, float]:
    """Camera slots by node id, for the live nodes that declare any."""
    return {
        str(node["NodeID"]): float(node["Resources"].get(CAMERA_RESOURCE, 0))
        for node in ray.nodes()
        if node["Alive"] and node["Resources"].get(CAMERA_RESOURCE, 0) > 0
    }


def agent_name(node: str) -> str:
    return f"trackcast-agent-{node}"


@dataclass(frozen=True)
class AgentSpec:
    """How the controller starts agents: ``agent_class(config, node, detector_factory,
    lease_s, setup)`` (see :class:`cluster.interface.AgentInterface`)."""

    agent_class: type
    config: AppConfig
    detector_factory: DetectorFactory | None
    lease_s: float
    setup: ProcessSetup | None = None

    def start(self, node: str) -> Any:
        """The agent actor of ``node``: the running one if there is one, else a new one."""
        actor = ray.remote(self.agent_class).options(
            name=agent_name(node),
            namespace=NAMESPACE,
            lifetime="detached",
            get_if_exists=True,
            num_cpus=0,  # the cameras' threads are not Ray tasks
            max_restarts=AGENT_RESTARTS,
            max_concurrency=AGENT_THREADS,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False),
        )
        return actor.remote(self.config, node, self.detector_factory, self.lease_s, self.setup)


@dataclass(eq=False)
class AgentRecord:
    """What the controller knows of one node's agent."""

    node: str
    slots: float
    handle: Any
    incarnation: str | None = None
    """From its last report; None until it first answered."""
    answered_at: float = field(default_factory=time.monotonic)
    """When it last answered a lease renewal (or was started), on the controller's clock."""
    answered_wall: float = field(default_factory=time.time)
    pending: Any = None
    """The lease call in flight, if any (one at a time)."""
    sent_at: float = 0.0

    @property
    def ready(self) -> bool:
        return self.incarnation is not None

    def renew(self, owned: list[str]) -> Any:
        """Send a lease renewal for ``owned`` unless one is in flight; the call in flight."""
        if self.pending is None:
            self.pending = self.handle.lease.remote(owned)
            self.sent_at = time.monotonic()
        return self.pending

    def answered(self, report: AgentReport) -> bool:
        """Take its report; True if it comes from a new incarnation (a restarted agent)."""
        self.pending = None
        self.answered_at, self.answered_wall = time.monotonic(), time.time()
        restarted = self.incarnation is not None and report.incarnation != self.incarnation
        self.incarnation = report.incarnation
        return restarted

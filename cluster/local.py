"""A real multi-node Ray cluster on 127.0.0.1 in one machine: a head and worker nodes, each with
its own raylet and object store (``ray.cluster_utils.Cluster``), started and stopped by its
caller (the cluster tests through ``tests/servers/ray_cluster.py``, and ``bench.cluster_sim``).

Worker nodes declare trackcast's camera capacity as the Ray resource ``trackcast_cameras``
(:data:`cluster.CAMERA_RESOURCE`) the way ``ray start --resources`` does on a real node.
Removing a worker kills its raylet without warning, as a lost machine would. Nodes are declared
dead after about two seconds (health checks every second, two misses), not Ray's default of
half a minute, so that failover is measured by trackcast's reaction, not by Ray's patience.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cluster import CAMERA_RESOURCE

ROOT = Path(__file__).resolve().parents[1]
HEALTH_CHECKS = {
    "health_check_period_ms": 1000,
    "health_check_failure_threshold": 2,
    "health_check_initial_delay_ms": 1000,
    "health_check_timeout_ms": 1000,
}
"""Ray system settings of the local head; ``RAY_<name>`` environment variables set them on a
real head (docs/scaling.md)."""
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
"""Makes Ray bind and advertise 127.0.0.1 instead of the machine's outward address."""


@dataclass
class LocalRayCluster:
    """Start with :func:`local_ray_cluster`; ``address`` is what ``--cluster`` takes."""

    cluster: Any
    workers: list[Any] = field(default_factory=list)

    @property
    def address(self) -> str:
        return str(self.cluster.address)

    def add_worker(self, cameras: float = 8, cpus: int = 1) -> Any:
        """Start one more worker node offering ``cameras`` camera slots; returns its node."""
        node = self.cluster.add_node(num_cpus=cpus, resources={CAMERA_RESOURCE: cameras})
        self.cluster.wait_for_nodes()
        self.workers.append(node)
        return node

    def remove_worker(self, node: Any) -> None:
        """Kill ``node``'s raylet without warning (its worker processes are orphaned, as on a
        machine cut off from the network)."""
        self.workers.remove(node)
        self.cluster.remove_node(node, allow_graceful=False)

    @staticmethod
    def node_id(node: Any) -> str:
        return str(node.node_id)


@contextmanager
def local_ray_cluster(workers: int = 2, cameras_per_worker: float = 8) -> Iterator[LocalRayCluster]:
    """A head (no camera slots) and ``workers`` worker nodes on 127.0.0.1, shut down after.

    The repository root goes on ``PYTHONPATH`` for every node's processes, so that Ray workers
    import this checkout's code and the test helpers (``tests.blob_detector``) a test hands
    them."""
    saved = {name: os.environ.get(name) for name in (*LOOPBACK_ENV, "PYTHONPATH")}
    os.environ.update(LOOPBACK_ENV)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), saved["PYTHONPATH"]) if p)
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "_system_config": HEALTH_CHECKS},
    )
    local = LocalRayCluster(cluster)
    try:
        for _ in range(workers):
            local.add_worker(cameras_per_worker)
        yield local
    finally:
        cluster.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

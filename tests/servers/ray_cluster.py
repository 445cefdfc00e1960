"""The local multi-node Ray cluster of the cluster tests: :mod:`cluster.local`, which
``bench.cluster_sim`` starts too (tests use it through this module, which marks them
``cluster`` in tests/tiers.py)."""

from cluster.local import LocalRayCluster, local_ray_cluster

__all__ = ["LocalRayCluster", "local_ray_cluster"]

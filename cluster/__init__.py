"""Cluster mode: cameras and batch jobs spread over a Ray cluster, sharing one PostgreSQL.

Single-process trackcast never imports this package's Ray-using modules; ``ray`` is imported
only here, and only once cluster mode is asked for (``require_ray`` says how to install it).
"""

from __future__ import annotations

import importlib.util

CAMERA_RESOURCE = "trackcast_cameras"
"""The Ray resource a worker node declares for trackcast: how many cameras it can run
(``ray start --resources '{"trackcast_cameras": N}'``; ``trackcast cluster worker`` measures N).
Nodes without it (the head, API-only nodes) run no cameras."""
NAMESPACE = "trackcast"
"""The Ray namespace of trackcast's named actors."""
CONTROLLER_NAME = "trackcast-controller"
"""The one detached controller actor that every API replica talks to."""
DEFAULT_ANALYSIS_FPS = 10.0
"""Frames per second a camera without an ``fps_cap`` is assumed to be analysed at when a node's
capacity is measured (``cluster.capacity``)."""
DEFAULT_UTILISATION = 0.8
"""Share of each second a node's detector may be busy; the rest is for decoding, tracking,
encoding and bursts (``cluster.capacity``)."""


class ClusterError(RuntimeError):
    """Cluster mode cannot run as asked (Ray missing, cluster unreachable, no PostgreSQL)."""


def require_ray() -> None:
    """ClusterError, saying how to install it, unless ``ray`` is importable."""
    if importlib.util.find_spec("ray") is None:
        raise ClusterError(
            "cluster mode needs Ray, which is not installed: pip install 'trackcast[cluster]'"
        )
